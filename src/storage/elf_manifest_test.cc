#include "storage/elf_manifest.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "catch.h"

namespace pedia::storage {
namespace {

// Builds a small but complete ELF64 shared-object image in memory: a PT_LOAD
// over the whole file, a PT_NOTE with the manifest and a GNU build-id, and a
// PT_DYNAMIC with DT_NEEDED, DT_SONAME and a DT_HASH symbol table holding one
// exported and one hidden symbol.  Offsets equal virtual addresses.
class ImageBuilder {
 public:
  pedia_storage_manifest manifest{};
  uint16_t machine = EM_X86_64;
  bool with_manifest = true;

  ImageBuilder() {
    manifest.manifest_size = sizeof(manifest);
    manifest.abi_major = PEDIA_STORAGE_ABI_MAJOR;
    manifest.abi_minor = PEDIA_STORAGE_ABI_MINOR;
    std::strcpy(manifest.name, "fixture");
    std::strcpy(manifest.version, "1.2.3");
    std::strcpy(manifest.build_info, "{\"compiler\":\"test\"}");
  }

  std::string Build() const {
    std::string notes;
    if (with_manifest) AppendNote(&notes, "PEDIA", PEDIA_STORAGE_NOTE_TYPE, &manifest, sizeof(manifest));
    const unsigned char id[8] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
    AppendNote(&notes, "GNU", NT_GNU_BUILD_ID, id, sizeof(id));

    const std::string strtab("\0libfoo.so.1\0x.so\0pedia_storage_plugin_entry\0hidden_sym\0", 56);
    const uint64_t phoff = sizeof(Elf64_Ehdr), phnum = 3;
    const uint64_t note_off = phoff + phnum * sizeof(Elf64_Phdr);
    const uint64_t dyn_off = Align8(note_off + notes.size());
    const uint64_t dyn_count = 8;
    const uint64_t str_off = dyn_off + dyn_count * sizeof(Elf64_Dyn);
    const uint64_t sym_off = Align8(str_off + strtab.size());
    const uint64_t hash_off = sym_off + 3 * sizeof(Elf64_Sym);
    const uint64_t size = hash_off + 6 * 4;

    std::string image(size, '\0');
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_DYN;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = phoff;
    eh.e_ehsize = sizeof(eh);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = phnum;
    Put(&image, 0, eh);
    Elf64_Phdr load{PT_LOAD, PF_R, 0, 0, 0, size, size, 0x1000};
    Elf64_Phdr note{PT_NOTE, PF_R, note_off, note_off, note_off, notes.size(), notes.size(), 4};
    Elf64_Phdr dyn{
        PT_DYNAMIC, PF_R, dyn_off, dyn_off, dyn_off, dyn_count * sizeof(Elf64_Dyn), dyn_count * sizeof(Elf64_Dyn), 8};
    Put(&image, phoff, load);
    Put(&image, phoff + sizeof(Elf64_Phdr), note);
    Put(&image, phoff + 2 * sizeof(Elf64_Phdr), dyn);
    image.replace(note_off, notes.size(), notes);
    const Elf64_Dyn dyns[dyn_count] = {{DT_NEEDED, {1}},       {DT_SONAME, {13}},
                                       {DT_STRTAB, {str_off}}, {DT_STRSZ, {strtab.size()}},
                                       {DT_SYMTAB, {sym_off}}, {DT_SYMENT, {sizeof(Elf64_Sym)}},
                                       {DT_HASH, {hash_off}},  {DT_NULL, {0}}};
    for (uint64_t i = 0; i < dyn_count; ++i) Put(&image, dyn_off + i * sizeof(Elf64_Dyn), dyns[i]);
    image.replace(str_off, strtab.size(), strtab);
    Elf64_Sym entry{18, ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), STV_DEFAULT, 1, 0x100, 8};
    Elf64_Sym hidden{45, ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), STV_HIDDEN, 1, 0x108, 8};
    Put(&image, sym_off + sizeof(Elf64_Sym), entry);
    Put(&image, sym_off + 2 * sizeof(Elf64_Sym), hidden);
    const uint32_t hash[6] = {1, 3, 1, 0, 0, 0};  // nbucket, nchain, bucket[0], chain[0..2]
    std::memcpy(&image[hash_off], hash, sizeof(hash));
    return image;
  }

 private:
  static uint64_t Align8(uint64_t v) { return (v + 7) & ~uint64_t{7}; }
  template <class T>
  static void Put(std::string* image, uint64_t off, const T& v) {
    std::memcpy(&(*image)[off], &v, sizeof(v));
  }
  static void AppendNote(std::string* out, const char* owner, uint32_t type, const void* desc, uint32_t descsz) {
    Elf64_Nhdr n{static_cast<Elf64_Word>(std::strlen(owner) + 1), descsz, type};
    out->append(reinterpret_cast<const char*>(&n), sizeof(n));
    std::string name(owner, n.n_namesz);
    name.resize((n.n_namesz + 3) & ~3u, '\0');
    out->append(name);
    std::string d(static_cast<const char*>(desc), descsz);
    d.resize((descsz + 3) & ~3u, '\0');
    out->append(d);
  }
};

TEST_CASE("a well-formed plugin image is read completely", "[plugin]") {
  auto info = ParsePluginImage(ImageBuilder().Build(), "x.so");
  REQUIRE(info.ok());
  REQUIRE(info->manifest_status.ok());
  CHECK(info->manifest.name == "fixture");
  CHECK(info->manifest.version == "1.2.3");
  CHECK(info->manifest.build_info == "{\"compiler\":\"test\"}");
  CHECK(info->manifest.AbiString() ==
        std::to_string(PEDIA_STORAGE_ABI_MAJOR) + "." + std::to_string(PEDIA_STORAGE_ABI_MINOR));
  CHECK(info->build_id == "deadbeef01020304");
  CHECK(info->needed == std::vector<std::string>{"libfoo.so.1"});
  CHECK(info->soname == "x.so");
  CHECK(info->exported_symbols == std::vector<std::string>{"pedia_storage_plugin_entry"});
  CHECK(CheckAbiCompatible(info->manifest, "x.so").ok());
}

TEST_CASE("manifest problems are reported with the file name", "[plugin]") {
  ImageBuilder b;
  SECTION("missing") {
    b.with_manifest = false;
    auto info = ParsePluginImage(b.Build(), "x.so");
    REQUIRE(info.ok());
    CHECK(info->manifest_status.message() ==
          "plugin \"x.so\": missing storage plugin manifest\nHINT:  Storage plugins must use the "
          "PEDIA_STORAGE_PLUGIN_MANIFEST macro.");
  }
  SECTION("name not terminated") {
    std::memset(b.manifest.name, 'a', sizeof(b.manifest.name));
    auto info = ParsePluginImage(b.Build(), "x.so");
    REQUIRE(info.ok());
    CHECK_THAT(info->manifest_status.message(), Catch::Contains("malformed storage plugin manifest") &&
                                                    Catch::Contains("name field is not zero-terminated"));
  }
  SECTION("size disagrees with the note") {
    b.manifest.manifest_size = 12;
    auto info = ParsePluginImage(b.Build(), "x.so");
    REQUIRE(info.ok());
    CHECK_THAT(info->manifest_status.message(), Catch::Contains("manifest_size is 12"));
  }
  SECTION("major mismatch") {
    b.manifest.abi_major = PEDIA_STORAGE_ABI_MAJOR + 1;
    b.manifest.abi_minor = 0;
    auto info = ParsePluginImage(b.Build(), "x.so");
    REQUIRE(info.ok());
    Status s = CheckAbiCompatible(info->manifest, "x.so");
    CHECK_THAT(s.message(), Catch::StartsWith("plugin \"x.so\": storage ABI version mismatch\nDETAIL:  pedia "
                                              "supports storage ABI 1.0 to 1.1, the plugin was built for 2.0.\nHINT:  "));
  }
  SECTION("newer minor") {
    b.manifest.abi_minor = PEDIA_STORAGE_ABI_MINOR + 5;
    auto info = ParsePluginImage(b.Build(), "x.so");
    REQUIRE(info.ok());
    CHECK_THAT(CheckAbiCompatible(info->manifest, "x.so").message(),
               Catch::StartsWith("plugin \"x.so\": requires a newer pedia\nDETAIL:  Plugin needs storage ABI 1.6, "
                                 "this pedia provides 1.1."));
  }
  SECTION("older minor: a plugin built for 1.0 still loads in a 1.1 host") {
    b.manifest.abi_minor = 0;
    auto info = ParsePluginImage(b.Build(), "x.so");
    REQUIRE(info.ok());
    CHECK(CheckAbiCompatible(info->manifest, "x.so").ok());
  }
}

TEST_CASE("files that are not plugins for this platform are refused", "[plugin]") {
  CHECK_THAT(ParsePluginImage("#!/bin/sh\necho hello, this is a script and not ELF\n"
                              "padding padding padding padding",
                              "s.so")
                 .status()
                 .message(),
             Catch::StartsWith("plugin \"s.so\": not a shared object for this platform\nDETAIL:  The file is not an "
                               "ELF file."));
  ImageBuilder arm;
  arm.machine = EM_AARCH64;
  CHECK_THAT(ParsePluginImage(arm.Build(), "a.so").status().message(), Catch::Contains("built for aarch64"));
  CHECK_FALSE(ParsePluginImage("", "e.so").ok());
  CHECK(ReadPluginFile("/nonexistent/p.so").status().code() == Status::kNotFound);
  CHECK_FALSE(ReadPluginFile("/").ok());
}

TEST_CASE("every truncation of a plugin image is an error, not a crash", "[plugin]") {
  const std::string image = ImageBuilder().Build();
  for (size_t len = 0; len < image.size(); ++len) {
    auto info = ParsePluginImage(std::string_view(image).substr(0, len), "t.so");
    INFO("length " << len);
    CHECK_FALSE(info.ok());
  }
}

TEST_CASE("random corruption of a plugin image never crashes", "[plugin]") {
  const std::string image = ImageBuilder().Build();
  std::mt19937 rng(20261126);
  int accepted = 0, rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string mutated = image;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    auto info = ParsePluginImage(mutated, "m.so");
    if (!info.ok()) {
      ++rejected;
      continue;
    }
    ++accepted;
    // Whatever was accepted must be internally consistent.
    if (info->manifest_status.ok()) {
      CHECK(info->manifest.name.size() < 64);
      CHECK(info->manifest.build_info.size() < 512);
    }
  }
  for (int round = 0; round < 2000; ++round) {
    std::string garbage(rng() % 4096, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    if (round % 2 && garbage.size() >= 64) std::memcpy(garbage.data(), image.data(), 64);  // valid header
    auto info = ParsePluginImage(garbage, "g.so");
    if (info.ok())
      ++accepted;
    else
      ++rejected;
  }
  CHECK(rejected > 0);
  CHECK(accepted > 0);  // most single-byte flips hit padding or the build info
}

TEST_CASE("the manifest is found in a file on disk", "[plugin]") {
  const std::string path = "elf_manifest_test.tmp.so";
  {
    std::ofstream out(path, std::ios::binary);
    out << ImageBuilder().Build();
  }
  auto info = ReadPluginFile(path);
  std::remove(path.c_str());
  REQUIRE(info.ok());
  CHECK(info->manifest.name == "fixture");
}

}  // namespace
}  // namespace pedia::storage
