#include "storage/registry.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/string_util.h"
#include "storage/internal/internal_storage.h"
#include "storage/memory/memory_storage.h"
#include "storage/plugin_loader.h"

namespace pedia::storage {

Status Registry::Register(const pedia_storage_plugin* table, std::string origin) {
  if (!table || !table->name || !*table->name)
    return Status::InvalidArgument("storage layer from \"" + origin + "\" has no name");
  if (const RegisteredLayer* existing = Find(table->name))
    return Status::AlreadyExists("storage \"" + std::string(table->name) + "\" is already registered by \"" +
                                 existing->origin + "\"\nDETAIL:  \"" + origin +
                                 "\" registers the same name.\nHINT:  Remove one of the two plugins from the "
                                 "plugin directory.");
  layers_.push_back({table->name, table->version ? table->version : "", std::move(origin), table});
  return Status::Ok();
}

Result<std::vector<std::string>> PluginFiles(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return Status::InvalidArgument("could not open plugin directory \"" + dir + "\": " + std::strerror(errno));
  std::vector<std::string> files;
  while (dirent* e = readdir(d))
    if (EndsWith(e->d_name, ".so")) files.push_back(dir + "/" + e->d_name);
  closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

Status Registry::LoadDirectory(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  Result<std::vector<std::string>> files = PluginFiles(dir);
  if (!files.ok())
    return Status::InvalidArgument(files.status().message() +
                                   "\nHINT:  Set STORAGE_PLUGINS to a readable directory, or unset it.");
  for (const std::string& path : files.value()) {
    auto table = LoadPluginFile(path);
    if (!table.ok()) return table.status();
    Status s = Register(*table, path);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

const RegisteredLayer* Registry::Find(std::string_view name) const {
  for (const auto& l : layers_)
    if (l.name == name) return &l;
  return nullptr;
}

std::vector<std::string> Registry::Names() const {
  std::vector<std::string> names;
  for (const auto& l : layers_) names.push_back(l.name);
  return names;
}

Result<std::unique_ptr<Storage>> Registry::Open(std::string_view name, const std::string& config_path) const {
  const RegisteredLayer* layer = Find(name);
  if (!layer) {
    std::string available;
    for (const auto& l : layers_) available += (available.empty() ? "" : ", ") + l.name;
    std::string hint = SuggestClosest(name, Names());
    return Status::NotFound("storage \"" + std::string(name) + "\" is unregistered\nDETAIL:  Available storage layers: " +
                            available + "." +
                            (hint.empty() ? std::string("\nHINT:  Put the plugin's .so file in $STORAGE_PLUGINS.")
                                          : "\nHINT:  Did you mean \"" + hint + "\"?"));
  }
  std::string config;
  if (!config_path.empty()) {
    struct stat st;
    if (stat(config_path.c_str(), &st) != 0)
      return Status::InvalidArgument("storage config \"" + config_path + "\" does not exist");
    if (S_ISDIR(st.st_mode))
      return Status::InvalidArgument("storage config \"" + config_path + "\" is a directory, not a file");
    std::ifstream in(config_path, std::ios::binary);
    if (!in) return Status::InvalidArgument("could not read storage config \"" + config_path + "\"");
    std::ostringstream buf;
    buf << in.rdbuf();
    config = buf.str();
  }
  pedia_storage_instance* instance = nullptr;
  pedia_storage_error err{};
  Status s = FromAbi(layer->table->open({config.data(), config.size()}, {config_path.data(), config_path.size()},
                                        &instance, &err),
                     err);
  if (!s.ok()) return s.Annotate("failed to init storage \"" + layer->name + "\"");
  if (!instance) return Status::Internal("storage \"" + layer->name + "\" opened without an instance");
  return std::make_unique<Storage>(layer->table, instance, layer->origin);
}

Status RegisterBuiltins(Registry* registry) {
  Status s = registry->Register(memory::MemoryStorageTable(), "built-in");
  if (!s.ok()) return s;
  return registry->Register(internal::InternalStorageTable(), "built-in");
}

Status InitRegistry(Registry* registry) {
  Status s = RegisterBuiltins(registry);
  if (!s.ok()) return s;
  const char* dir = std::getenv("STORAGE_PLUGINS");
  return registry->LoadDirectory(dir ? dir : "");
}

}  // namespace pedia::storage
