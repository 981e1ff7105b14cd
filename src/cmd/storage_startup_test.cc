// Start-up errors of the storage registry, as every applet that uses storage
// meets them through OpenStorage.  Hidden tag: tests/cli/meson.build runs it
// with PEDIA_TEST_PLUGIN_DIR pointing at the built fixture plugins.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "catch.h"
#include "cmd/common_flags.h"

namespace pedia::cmd {
namespace {

namespace fs = std::filesystem;

// A fresh plugin directory holding copies of the named fixtures, exported as
// $STORAGE_PLUGINS for the duration of the test.
class PluginDir {
 public:
  explicit PluginDir(std::initializer_list<std::pair<const char*, const char*>> copies) {
    const char* fixtures = std::getenv("PEDIA_TEST_PLUGIN_DIR");
    REQUIRE(fixtures != nullptr);
    dir_ = fs::temp_directory_path() / ("pedia-startup-" + std::to_string(getpid()) + "-" + std::to_string(++serial_));
    fs::create_directories(dir_);
    for (const auto& [from, to] : copies) fs::copy_file(fs::path(fixtures) / from, dir_ / to);
    setenv("STORAGE_PLUGINS", dir_.c_str(), 1);
  }
  ~PluginDir() {
    unsetenv("STORAGE_PLUGINS");
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }

 private:
  static inline int serial_ = 0;
  fs::path dir_;
};

Status Open(const std::string& name, bool in_process) {
  storage::Registry registry;
  StorageOptions options;
  options.name = name;
  auto layer = OpenStorage(options, in_process, &registry);
  return layer.ok() ? Status::Ok() : layer.status();
}

TEST_CASE("a duplicate storage name in $STORAGE_PLUGINS stops start-up naming both files", "[.startup]") {
  PluginDir dir({{"valid-c.so", "a.so"}, {"valid-c.so", "b.so"}});
  Status s = Open("c-trivial", false);
  CHECK(s.code() == Status::kAlreadyExists);
  CHECK_THAT(s.message(),
             Catch::StartsWith("storage \"c-trivial\" is already registered by \"" + dir.path("a.so") + "\"") &&
                 Catch::Contains(dir.path("b.so")));
}

TEST_CASE("built-ins register before plugins, which keep their path as origin", "[.startup]") {
  PluginDir dir({{"valid-c.so", "a.so"}});
  storage::Registry registry;
  REQUIRE(storage::InitRegistry(&registry).ok());
  CHECK(registry.Names() == std::vector<std::string>{"memory", "internal", "c-trivial"});
  CHECK(registry.Find("c-trivial")->origin == dir.path("a.so"));
}

TEST_CASE("a bad plugin in $STORAGE_PLUGINS stops start-up naming the file", "[.startup]") {
  SECTION("ABI mismatch") {
    PluginDir dir({{"valid-c.so", "a.so"}, {"abi-major-mismatch.so", "bad.so"}});
    Status s = Open("c-trivial", false);
    CHECK_THAT(s.message(), Catch::StartsWith("plugin \"" + dir.path("bad.so") + "\": storage ABI version mismatch"));
  }
  SECTION("undefined symbol") {
    PluginDir dir({{"undefined-symbol.so", "u.so"}});
    Status s = Open("memory", true);
    CHECK_THAT(s.message(), Catch::Contains("could not load plugin \"" + dir.path("u.so") + "\"") &&
                                Catch::Contains("undefined symbol"));
  }
  SECTION("missing manifest") {
    PluginDir dir({{"missing-manifest.so", "m.so"}});
    CHECK_THAT(Open("memory", true).message(), Catch::Contains("missing storage plugin manifest"));
  }
}

TEST_CASE("an unknown --storage-name lists the available layers", "[.startup]") {
  PluginDir dir({{"valid-c.so", "a.so"}});
  Status s = Open("c-trivia", false);
  CHECK(s.code() == Status::kNotFound);
  CHECK_THAT(s.message(), Catch::StartsWith("storage \"c-trivia\" is unregistered") &&
                              Catch::Contains("Available storage layers: memory, internal, c-trivial.") &&
                              Catch::Contains("Did you mean \"c-trivial\"?"));
}

TEST_CASE("memory is refused outside binding-apiserver, with a hint", "[.startup]") {
  PluginDir dir({});
  Status s = Open("memory", false);
  CHECK(s.code() == Status::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("cannot be shared between components") &&
                              Catch::Contains("HINT:  Run \"pedia binding-apiserver --storage-name=memory\""));
}

TEST_CASE("a plugin layer opens through the registry", "[.startup]") {
  PluginDir dir({{"valid-c.so", "a.so"}, {"open-fails.so", "f.so"}});
  CHECK(Open("c-trivial", false).ok());
  CHECK_THAT(Open("open-fails", false).message(), Catch::StartsWith("failed to init storage \"open-fails\"") &&
                                                      Catch::Contains("this layer always refuses its configuration"));
}

TEST_CASE("a plugin takes memory from the host allocator through dlopen; the host accounts it", "[.startup]") {
  // valid-c.so (ABI 1.1) allocates its instance with host->alloc in open()
  // and frees it in close().
  PluginDir dir({{"valid-c.so", "a.so"}});
  storage::Registry registry;
  StorageOptions options;
  options.name = "c-trivial";
  const storage::HostMemoryStats before = storage::HostMemory();
  {
    auto layer = OpenStorage(options, false, &registry);
    REQUIRE(layer.ok());
    CHECK(storage::HostMemory().allocations == before.allocations + 1);
    CHECK(storage::HostMemory().bytes >= before.bytes + 1024);
  }  // close()
  CHECK(storage::HostMemory().allocations == before.allocations);
  CHECK(storage::HostMemory().bytes == before.bytes);
}

TEST_CASE("a plugin built for storage ABI 1.0 still loads and opens in a 1.1 host", "[.startup]") {
  PluginDir dir({{"older-minor.so", "old.so"}});
  storage::Registry registry;
  REQUIRE(storage::InitRegistry(&registry).ok());
  const storage::RegisteredLayer* layer = registry.Find("abi-older");
  REQUIRE(layer != nullptr);
  CHECK(layer->table->abi_minor == 0);
  CHECK(layer->origin == dir.path("old.so"));
  const storage::HostMemoryStats before = storage::HostMemory();
  {
    auto opened = registry.Open("abi-older", "");
    REQUIRE(opened.ok());
    CHECK(storage::HostMemory().allocations == before.allocations);  // a 1.0 plugin knows no alloc
  }
}

}  // namespace
}  // namespace pedia::cmd
