#include "storage/elf_manifest.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string_view>

namespace pedia::storage {
namespace {

#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
constexpr const char* kHostMachineName = "x86-64";
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
constexpr const char* kHostMachineName = "aarch64";
#else
#error "add this machine's EM_* constant"
#endif

static_assert(sizeof(pedia_storage_manifest) == 4 + 2 + 2 + 4 + 4 + 64 + 64 + 512,
              "the manifest must have no padding: it is compared byte for byte");

Status NotForThisPlatform(const std::string& path, const std::string& detail) {
  return Status::InvalidArgument(QuotedPlugin(path) + ": not a shared object for this platform\nDETAIL:  " + detail);
}

Status Corrupt(const std::string& path, const std::string& detail) {
  return Status::InvalidArgument(QuotedPlugin(path) + ": damaged ELF file\nDETAIL:  " + detail +
                                 "\nHINT:  The file may be truncated; rebuild or copy it again.");
}

std::string MachineName(uint16_t machine) {
  switch (machine) {
    case EM_386:
      return "i386";
    case EM_X86_64:
      return "x86-64";
    case EM_AARCH64:
      return "aarch64";
    case EM_ARM:
      return "arm";
    case EM_RISCV:
      return "riscv";
    case EM_PPC64:
      return "ppc64";
    case EM_S390:
      return "s390";
    default:
      return "machine " + std::to_string(machine);
  }
}

// A read-only view of the mapped file with bounds-checked access.
class FileView {
 public:
  FileView(const unsigned char* data, uint64_t size) : data_(data), size_(size) {}
  uint64_t size() const { return size_; }
  bool Contains(uint64_t offset, uint64_t len) const { return offset <= size_ && len <= size_ - offset; }
  // Copies a T at offset (the file need not be aligned); false when out of bounds.
  template <class T>
  bool Read(uint64_t offset, T* out) const {
    if (!Contains(offset, sizeof(T))) return false;
    std::memcpy(out, data_ + offset, sizeof(T));
    return true;
  }
  const unsigned char* At(uint64_t offset) const { return data_ + offset; }
  // A zero-terminated string starting at offset within [offset, limit).
  std::optional<std::string> CString(uint64_t offset, uint64_t limit) const {
    if (limit > size_) limit = size_;
    if (offset >= limit) return std::nullopt;
    const void* end = std::memchr(data_ + offset, '\0', limit - offset);
    if (!end) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(data_ + offset),
                       static_cast<const unsigned char*>(end) - (data_ + offset));
  }

 private:
  const unsigned char* data_;
  uint64_t size_;
};

// Maps a file read-only; unmaps on destruction.
class MappedFile {
 public:
  ~MappedFile() {
    if (data_) munmap(data_, size_);
  }
  Status Open(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::NotFound(QuotedPlugin(path) + ": could not open file: " + std::strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return Status::InvalidArgument(QuotedPlugin(path) + ": not a regular file");
    }
    size_ = static_cast<uint64_t>(st.st_size);
    if (size_ < sizeof(Elf64_Ehdr)) {
      close(fd);
      return NotForThisPlatform(path,
                                "The file is " + std::to_string(size_) + " bytes long, too short for an ELF header.");
    }
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return Status::Internal(QuotedPlugin(path) + ": could not map file: " + std::strerror(errno));
    data_ = p;
    return Status::Ok();
  }
  std::string_view Bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  uint64_t size_ = 0;
};

uint64_t AlignUp(uint64_t v, uint64_t align) { return (v + align - 1) & ~(align - 1); }

// Translates a virtual address to a file offset through the PT_LOAD segments.
std::optional<uint64_t> VaddrToOffset(const std::vector<Elf64_Phdr>& phdrs, uint64_t vaddr) {
  for (const Elf64_Phdr& p : phdrs) {
    if (p.p_type != PT_LOAD) continue;
    if (vaddr >= p.p_vaddr && vaddr - p.p_vaddr < p.p_filesz) return p.p_offset + (vaddr - p.p_vaddr);
  }
  return std::nullopt;
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

// Parses one manifest note descriptor into info->manifest / manifest_status.
void ParseManifest(const FileView& f, uint64_t desc_offset, uint32_t descsz, PluginFileInfo* info) {
  const std::string& path = info->path;
  auto malformed = [&](const std::string& detail) {
    info->manifest_status =
        Status::InvalidArgument(QuotedPlugin(path) + ": malformed storage plugin manifest\nDETAIL:  " + detail +
                                "\nHINT:  Storage plugins must use the PEDIA_STORAGE_PLUGIN_MANIFEST macro.");
  };
  if (descsz < sizeof(pedia_storage_manifest)) {
    malformed("The manifest note is " + std::to_string(descsz) + " bytes long; at least " +
              std::to_string(sizeof(pedia_storage_manifest)) + " are needed.");
    return;
  }
  pedia_storage_manifest m;
  if (!f.Read(desc_offset, &m)) {
    malformed("The manifest note runs past the end of the file.");
    return;
  }
  if (m.manifest_size != descsz) {
    malformed("manifest_size is " + std::to_string(m.manifest_size) + " but the note holds " + std::to_string(descsz) +
              " bytes.");
    return;
  }
  auto field = [&](const char* data, size_t cap, const char* what, std::string* out) {
    const void* end = std::memchr(data, '\0', cap);
    if (!end) {
      malformed(std::string("The ") + what + " field is not zero-terminated.");
      return false;
    }
    out->assign(data, static_cast<const char*>(end) - data);
    return true;
  };
  PluginManifest& out = info->manifest;
  if (!field(m.name, sizeof(m.name), "name", &out.name) ||
      !field(m.version, sizeof(m.version), "version", &out.version) ||
      !field(m.build_info, sizeof(m.build_info), "build_info", &out.build_info))
    return;
  if (out.name.empty()) {
    malformed("The name field is empty.");
    return;
  }
  out.manifest_size = m.manifest_size;
  out.abi_major = m.abi_major;
  out.abi_minor = m.abi_minor;
  out.flags = m.flags;
  info->manifest_status = Status::Ok();
}

// Walks the notes of one PT_NOTE segment.
Status ReadNotes(const FileView& f, const Elf64_Phdr& p, PluginFileInfo* info, bool* found_manifest) {
  // Notes in a segment with 8-byte alignment (GNU property notes) are padded to 8.
  const uint64_t align = p.p_align == 8 ? 8 : 4;
  uint64_t off = p.p_offset;
  const uint64_t end = p.p_offset + p.p_filesz;
  while (off < end) {
    Elf64_Nhdr n;
    if (end - off < sizeof(n) || !f.Read(off, &n)) return Corrupt(info->path, "A note header is cut short.");
    // Padding aligns offsets within the segment (gABI), not the sizes.
    const uint64_t base = p.p_offset;
    uint64_t name_off = off + sizeof(n);
    uint64_t desc_off = base + AlignUp(name_off - base + n.n_namesz, align);
    uint64_t next = base + AlignUp(desc_off - base + n.n_descsz, align);
    if (desc_off > end || next > end + (align - 1) || desc_off + n.n_descsz > end)
      return Corrupt(info->path, "A note in the PT_NOTE segment at offset " + std::to_string(p.p_offset) +
                                     " is larger than the segment.");
    std::string_view owner(reinterpret_cast<const char*>(f.At(name_off)), n.n_namesz);
    if (n.n_namesz == sizeof(PEDIA_STORAGE_NOTE_OWNER) && n.n_type == PEDIA_STORAGE_NOTE_TYPE &&
        owner == std::string_view(PEDIA_STORAGE_NOTE_OWNER, sizeof(PEDIA_STORAGE_NOTE_OWNER))) {
      if (*found_manifest) {
        info->manifest_status =
            Status::InvalidArgument(QuotedPlugin(info->path) +
                                    ": malformed storage plugin manifest\nDETAIL:  The file has more than one "
                                    "manifest note.\nHINT:  Use PEDIA_STORAGE_PLUGIN_MANIFEST once per plugin.");
      } else {
        *found_manifest = true;
        ParseManifest(f, desc_off, n.n_descsz, info);
      }
    } else if (n.n_namesz == 4 && n.n_type == NT_GNU_BUILD_ID && owner == std::string_view("GNU\0", 4)) {
      info->build_id = Hex(f.At(desc_off), n.n_descsz);
    }
    off = next;
  }
  return Status::Ok();
}

// Number of entries in the dynamic symbol table, from DT_HASH or DT_GNU_HASH.
std::optional<uint64_t> SymbolCount(const FileView& f, const std::vector<Elf64_Phdr>& phdrs, uint64_t hash,
                                    uint64_t gnu_hash) {
  if (hash) {
    auto off = VaddrToOffset(phdrs, hash);
    uint32_t header[2];
    if (off && f.Read(*off, &header)) return header[1];  // nchain
  }
  if (!gnu_hash) return std::nullopt;
  auto off = VaddrToOffset(phdrs, gnu_hash);
  uint32_t header[4];  // nbuckets, symoffset, bloom_size, bloom_shift
  if (!off || !f.Read(*off, &header)) return std::nullopt;
  const uint64_t buckets = *off + 16 + uint64_t{header[2]} * 8;
  if (!f.Contains(buckets, uint64_t{header[0]} * 4)) return std::nullopt;
  uint32_t max_bucket = 0;
  for (uint32_t i = 0; i < header[0]; ++i) {
    uint32_t b = 0;
    f.Read(buckets + uint64_t{i} * 4, &b);
    if (b > max_bucket) max_bucket = b;
  }
  if (max_bucket < header[1]) return header[1];
  const uint64_t chains = buckets + uint64_t{header[0]} * 4;
  for (uint64_t i = max_bucket;; ++i) {
    uint32_t c;
    if (!f.Read(chains + (i - header[1]) * 4, &c)) return std::nullopt;
    if (c & 1) return i + 1;
  }
}

Status ReadDynamic(const FileView& f, const std::vector<Elf64_Phdr>& phdrs, const Elf64_Phdr& dyn,
                   PluginFileInfo* info) {
  uint64_t strtab = 0, strsz = 0, symtab = 0, syment = sizeof(Elf64_Sym), hash = 0, gnu_hash = 0;
  std::vector<uint64_t> needed;
  std::optional<uint64_t> soname;
  for (uint64_t off = dyn.p_offset; off + sizeof(Elf64_Dyn) <= dyn.p_offset + dyn.p_filesz; off += sizeof(Elf64_Dyn)) {
    Elf64_Dyn d;
    if (!f.Read(off, &d)) return Corrupt(info->path, "The dynamic section runs past the end of the file.");
    if (d.d_tag == DT_NULL) break;
    switch (d.d_tag) {
      case DT_NEEDED:
        needed.push_back(d.d_un.d_val);
        break;
      case DT_SONAME:
        soname = d.d_un.d_val;
        break;
      case DT_STRTAB:
        strtab = d.d_un.d_ptr;
        break;
      case DT_STRSZ:
        strsz = d.d_un.d_val;
        break;
      case DT_SYMTAB:
        symtab = d.d_un.d_ptr;
        break;
      case DT_SYMENT:
        syment = d.d_un.d_val;
        break;
      case DT_HASH:
        hash = d.d_un.d_ptr;
        break;
      case DT_GNU_HASH:
        gnu_hash = d.d_un.d_ptr;
        break;
      default:
        break;
    }
  }
  if (!strtab) return Status::Ok();  // nothing dynamic to report
  auto str_off = VaddrToOffset(phdrs, strtab);
  if (!str_off || !f.Contains(*str_off, strsz))
    return Corrupt(info->path, "The dynamic string table lies outside the file.");
  const uint64_t str_end = *str_off + strsz;
  auto str = [&](uint64_t index) -> std::optional<std::string> {
    if (index >= strsz) return std::nullopt;
    return f.CString(*str_off + index, str_end);
  };
  for (uint64_t index : needed) {
    auto s = str(index);
    if (!s) return Corrupt(info->path, "A DT_NEEDED entry points outside the string table.");
    info->needed.push_back(*s);
  }
  if (soname) {
    auto s = str(*soname);
    if (!s) return Corrupt(info->path, "DT_SONAME points outside the string table.");
    info->soname = *s;
  }
  if (!symtab || syment != sizeof(Elf64_Sym)) return Status::Ok();
  auto sym_off = VaddrToOffset(phdrs, symtab);
  auto count = SymbolCount(f, phdrs, hash, gnu_hash);
  if (!sym_off || !count) return Corrupt(info->path, "The dynamic symbol table cannot be located.");
  if (*count > f.size() / sizeof(Elf64_Sym) || !f.Contains(*sym_off, *count * sizeof(Elf64_Sym)))
    return Corrupt(info->path, "The dynamic symbol table runs past the end of the file.");
  for (uint64_t i = 1; i < *count; ++i) {
    Elf64_Sym s;
    f.Read(*sym_off + i * sizeof(Elf64_Sym), &s);
    const unsigned bind = ELF64_ST_BIND(s.st_info);
    const unsigned vis = ELF64_ST_VISIBILITY(s.st_other);
    if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS) continue;  // ABS: version names
    if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) continue;
    if (vis != STV_DEFAULT && vis != STV_PROTECTED) continue;
    auto name = str(s.st_name);
    if (!name) return Corrupt(info->path, "A dynamic symbol name points outside the string table.");
    if (!name->empty()) info->exported_symbols.push_back(*name);
  }
  // One entry per name (versioned symbols repeat), in a stable order.
  std::sort(info->exported_symbols.begin(), info->exported_symbols.end());
  info->exported_symbols.erase(std::unique(info->exported_symbols.begin(), info->exported_symbols.end()),
                               info->exported_symbols.end());
  return Status::Ok();
}

}  // namespace

std::string PluginManifest::AbiString() const { return std::to_string(abi_major) + "." + std::to_string(abi_minor); }

Status MissingManifest(const std::string& path) {
  return Status::InvalidArgument(QuotedPlugin(path) +
                                 ": missing storage plugin manifest\nHINT:  Storage plugins must use the "
                                 "PEDIA_STORAGE_PLUGIN_MANIFEST macro.");
}

Result<PluginFileInfo> ReadPluginFile(const std::string& path) {
  MappedFile file;
  if (Status s = file.Open(path); !s.ok()) return s;
  return ParsePluginImage(file.Bytes(), path);
}

Result<PluginFileInfo> ParsePluginImage(std::string_view image, const std::string& path) {
  if (image.size() < sizeof(Elf64_Ehdr))
    return NotForThisPlatform(
        path, "The file is " + std::to_string(image.size()) + " bytes long, too short for an ELF header.");
  const FileView f(reinterpret_cast<const unsigned char*>(image.data()), image.size());
  PluginFileInfo info;
  info.path = path;
  info.file_size = f.size();

  Elf64_Ehdr eh;
  f.Read(0, &eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return NotForThisPlatform(path, "The file is not an ELF file.");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64)
    return NotForThisPlatform(path, "The file is a 32-bit ELF file; pedia loads 64-bit plugins.");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return NotForThisPlatform(path, "The file is big-endian.");
  if (eh.e_machine != kHostMachine)
    return NotForThisPlatform(
        path, "The file is built for " + MachineName(eh.e_machine) + ", this pedia runs on " + kHostMachineName + ".");
  if (eh.e_type != ET_DYN)
    return NotForThisPlatform(path, eh.e_type == ET_EXEC  ? "The file is an executable, not a shared object."
                                    : eh.e_type == ET_REL ? "The file is an object file; link it with -shared."
                                                          : "The file is not a shared object.");
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM)
    return Corrupt(path, "The program header table is missing or has an unexpected entry size.");
  if (!f.Contains(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr)))
    return Corrupt(path, "The program header table runs past the end of the file.");

  std::vector<Elf64_Phdr> phdrs(eh.e_phnum);
  for (size_t i = 0; i < phdrs.size(); ++i) {
    f.Read(eh.e_phoff + i * sizeof(Elf64_Phdr), &phdrs[i]);
    const Elf64_Phdr& p = phdrs[i];
    if ((p.p_type == PT_LOAD || p.p_type == PT_NOTE || p.p_type == PT_DYNAMIC) && !f.Contains(p.p_offset, p.p_filesz))
      return Corrupt(path, "Segment " + std::to_string(i) + " (offset " + std::to_string(p.p_offset) + ", " +
                               std::to_string(p.p_filesz) + " bytes) lies beyond the end of the file (" +
                               std::to_string(f.size()) + " bytes).");
  }

  bool found_manifest = false;
  for (const Elf64_Phdr& p : phdrs)
    if (p.p_type == PT_NOTE)
      if (Status s = ReadNotes(f, p, &info, &found_manifest); !s.ok()) return s;
  if (!found_manifest) info.manifest_status = MissingManifest(path);

  for (const Elf64_Phdr& p : phdrs)
    if (p.p_type == PT_DYNAMIC) {
      if (Status s = ReadDynamic(f, phdrs, p, &info); !s.ok()) return s;
      break;
    }
  return info;
}

Status CheckAbiCompatible(const PluginManifest& m, const std::string& path) {
  const std::string host = std::to_string(PEDIA_STORAGE_ABI_MAJOR) + "." + std::to_string(PEDIA_STORAGE_ABI_MINOR);
  const std::string host_range =
      PEDIA_STORAGE_ABI_MINOR == 0 ? host : std::to_string(PEDIA_STORAGE_ABI_MAJOR) + ".0 to " + host;
  if (m.abi_major != PEDIA_STORAGE_ABI_MAJOR)
    return Status::InvalidArgument(QuotedPlugin(path) +
                                   ": storage ABI version mismatch\nDETAIL:  pedia supports storage ABI " + host_range +
                                   ", the plugin was built for " + m.AbiString() +
                                   ".\nHINT:  Rebuild the plugin against include/pedia/storage_abi.h from this pedia "
                                   "release.");
  if (m.abi_minor > PEDIA_STORAGE_ABI_MINOR)
    return Status::InvalidArgument(QuotedPlugin(path) + ": requires a newer pedia\nDETAIL:  Plugin needs storage ABI " +
                                   m.AbiString() + ", this pedia provides " + host +
                                   ".\nHINT:  Upgrade pedia, or use a plugin release built for storage ABI " + host +
                                   ".");
  return Status::Ok();
}

std::string QuotedPlugin(const std::string& path) { return "plugin \"" + path + "\""; }

}  // namespace pedia::storage
