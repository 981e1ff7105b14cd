/*
 * One source for the C fixture plugins of tests/cli/plugin_test.sh; each
 * fixture is this file compiled with one FIXTURE_* mode (see meson.build).
 * Every mode breaks exactly one step of the loader (anchors §2.3) or, for
 * FIXTURE_VALID, none.  The valid table stores nothing: every data call
 * returns UNIMPLEMENTED, which is enough for list, inspect and the loader
 * checks of validate, and makes the conformance suite fail loudly.
 */
#include <pedia/storage_abi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef FIXTURE_NAME
#error "define FIXTURE_NAME"
#endif
#ifndef FIXTURE_VERSION
#define FIXTURE_VERSION "0.1.0"
#endif
#ifndef FIXTURE_ABI_MAJOR
#define FIXTURE_ABI_MAJOR PEDIA_STORAGE_ABI_MAJOR
#endif
#ifndef FIXTURE_ABI_MINOR
#define FIXTURE_ABI_MINOR PEDIA_STORAGE_ABI_MINOR
#endif

#define FIXTURE_BUILD_INFO "{\"compiler\":\"cc\",\"platform\":\"linux/amd64\",\"fixture\":\"" FIXTURE_NAME "\"}"

#ifndef FIXTURE_NO_MANIFEST
/* The manifest, spelled out so that a fixture can declare another ABI. */
__attribute__((used, section(".note.pedia.storage"), aligned(4)))
const pedia_storage_manifest_note pedia_storage_manifest_note_ = {
    6u,
    (uint32_t)sizeof(pedia_storage_manifest),
    PEDIA_STORAGE_NOTE_TYPE,
    PEDIA_STORAGE_NOTE_OWNER,
    {(uint32_t)sizeof(pedia_storage_manifest), FIXTURE_ABI_MAJOR, FIXTURE_ABI_MINOR, 0u, 0u, FIXTURE_NAME,
     FIXTURE_VERSION, FIXTURE_BUILD_INFO}};
#endif

#ifdef FIXTURE_UNDEFINED_SYMBOL
/* Defined nowhere: dlopen(RTLD_NOW) must fail naming it. */
extern int pedia_fixture_function_defined_nowhere(void);
#endif

#ifdef FIXTURE_CONSTRUCTOR_MARKER
/* Runs at dlopen: creates the file named by $PEDIA_FIXTURE_MARKER, so tests
 * can tell whether a command loaded the plugin (list and inspect must not). */
#include <stdlib.h>
__attribute__((constructor)) static void MarkLoaded(void) {
  const char* path = getenv("PEDIA_FIXTURE_MARKER");
  FILE* f = path ? fopen(path, "w") : NULL;
  if (f) fclose(f);
}
#endif

/* The instance.  A fixture built for ABI 1.1 or later takes it from the
 * host's allocator (pedia_host_api.alloc, when the host has it), so that
 * tests see the host account it between open() and close(); one built for
 * ABI 1.0 (older-minor) cannot know of alloc and uses a static one. */
struct pedia_storage_instance {
  int from_host;
  char state[1020];
};
__attribute__((unused)) static struct pedia_storage_instance the_instance;
__attribute__((unused)) static const pedia_host_api* the_host;

__attribute__((unused)) static pedia_storage_instance* NewInstance(void) {
#if FIXTURE_ABI_MINOR >= 1
  if (the_host && PEDIA_HOST_API_HAS(the_host, alloc) && PEDIA_HOST_API_HAS(the_host, free)) {
    pedia_storage_instance* i = (pedia_storage_instance*)the_host->alloc(sizeof(pedia_storage_instance),
                                                                         _Alignof(pedia_storage_instance));
    if (i) {
      memset(i, 0, sizeof(*i));
      i->from_host = 1;
    }
    return i;
  }
#endif
  return &the_instance;
}

static uint32_t Fail(pedia_storage_error* err, uint32_t code, const char* message) {
  snprintf(err->message, sizeof(err->message), "%s", message);
  return code;
}

static uint32_t Open(pedia_storage_bytes config, pedia_storage_bytes path, pedia_storage_instance** out,
                     pedia_storage_error* err) {
  (void)config;
  (void)path;
#if defined(FIXTURE_OPEN_FAILS)
  (void)out;
  return Fail(err, PEDIA_STORAGE_INVALID_ARGUMENT, "fixture: this layer always refuses its configuration");
#elif defined(FIXTURE_OPEN_CRASHES)
  (void)out;
  (void)err;
  raise(SIGSEGV);
  return PEDIA_STORAGE_INTERNAL;
#elif defined(FIXTURE_OPEN_HANGS)
  (void)out;
  (void)err;
  for (;;) pause();
  return PEDIA_STORAGE_INTERNAL;
#elif defined(FIXTURE_UNDEFINED_SYMBOL)
  (void)out;
  return pedia_fixture_function_defined_nowhere() ? PEDIA_STORAGE_OK : Fail(err, PEDIA_STORAGE_INTERNAL, "unreachable");
#else
  (void)err;
#ifdef FIXTURE_OPEN_FORKS
  /* A helper process that outlives the plugin's process and keeps its
   * inherited descriptors, except stdio, for 20 s: validate must not wait
   * for it.  (Closing stdio keeps the test's $(...) from waiting too.) */
  if (fork() == 0) {
    close(0);
    close(1);
    close(2);
    sleep(20);
    _exit(0);
  }
#endif
  *out = NewInstance();
  if (!*out) return Fail(err, PEDIA_STORAGE_INTERNAL, "fixture: the host's allocator returned NULL");
  return PEDIA_STORAGE_OK;
#endif
}

static void Close(pedia_storage_instance* instance) {
#if FIXTURE_ABI_MINOR >= 1
  if (instance && instance->from_host) the_host->free(instance);
#else
  (void)instance;
#endif
}

static uint32_t Ready(pedia_storage_instance* instance, pedia_storage_error* err) {
  (void)instance;
  (void)err;
  return PEDIA_STORAGE_OK;
}

#define UNIMPLEMENTED(err) Fail(err, PEDIA_STORAGE_UNIMPLEMENTED, "fixture: " FIXTURE_NAME " stores nothing")

static uint32_t WriteBatch(pedia_storage_instance* i, const pedia_storage_resource* r, const pedia_storage_write* w,
                           size_t n, size_t* failed, pedia_storage_error* err) {
  (void)i, (void)r, (void)w, (void)n, (void)failed;
  return UNIMPLEMENTED(err);
}
static uint32_t List(pedia_storage_instance* i, const pedia_storage_query* q, const pedia_storage_row_sink* s,
                     pedia_storage_error* err) {
  (void)i, (void)q, (void)s;
  return UNIMPLEMENTED(err);
}
static uint32_t Get(pedia_storage_instance* i, pedia_storage_bytes c, const pedia_storage_gvr* g,
                    pedia_storage_bytes ns, pedia_storage_bytes name, const pedia_storage_row_sink* s,
                    pedia_storage_error* err) {
  (void)i, (void)c, (void)g, (void)ns, (void)name, (void)s;
  return UNIMPLEMENTED(err);
}
static uint32_t ResourceVersions(pedia_storage_instance* i, pedia_storage_bytes c, const pedia_storage_rv_sink* s,
                                 pedia_storage_error* err) {
  (void)i, (void)c, (void)s;
  return UNIMPLEMENTED(err);
}
static uint32_t CleanCluster(pedia_storage_instance* i, pedia_storage_bytes c, pedia_storage_error* err) {
  (void)i, (void)c;
  return UNIMPLEMENTED(err);
}
static uint32_t CleanResource(pedia_storage_instance* i, pedia_storage_bytes c, const pedia_storage_gvr* g,
                              pedia_storage_error* err) {
  (void)i, (void)c, (void)g;
  return UNIMPLEMENTED(err);
}
static uint32_t PutCluster(pedia_storage_instance* i, pedia_storage_bytes n, pedia_storage_bytes j,
                           pedia_storage_error* err) {
  (void)i, (void)n, (void)j;
  return UNIMPLEMENTED(err);
}
static uint32_t DeleteCluster(pedia_storage_instance* i, pedia_storage_bytes n, pedia_storage_error* err) {
  (void)i, (void)n;
  return UNIMPLEMENTED(err);
}
static uint32_t ListClusters(pedia_storage_instance* i, const pedia_storage_cluster_sink* s, pedia_storage_error* err) {
  (void)i, (void)s;
  return UNIMPLEMENTED(err);
}

__attribute__((unused)) static const pedia_storage_plugin table = {
#ifdef FIXTURE_TRUNCATED_TABLE
    /* Claims to end before the resource operations. */
    (uint32_t)offsetof(pedia_storage_plugin, write_batch),
#else
    (uint32_t)sizeof(pedia_storage_plugin),
#endif
    FIXTURE_ABI_MAJOR,
    FIXTURE_ABI_MINOR,
#ifdef FIXTURE_TABLE_NAME
    FIXTURE_TABLE_NAME, /* disagrees with the manifest: a stale note */
#else
    FIXTURE_NAME,
#endif
    FIXTURE_VERSION,
    PEDIA_STORAGE_CAP_GET | PEDIA_STORAGE_CAP_LIST,
    Open,
    Close,
    Ready,
    WriteBatch,
    List,
    Get,
    ResourceVersions,
    CleanCluster,
    CleanResource,
    PutCluster,
    DeleteCluster,
    ListClusters,
    NULL,
    NULL,
};

#ifdef FIXTURE_EXTRA_EXPORT
/* Linked without the version script: exports a second symbol. */
PEDIA_STORAGE_EXPORT int pedia_fixture_helper(void) { return 42; }
#endif

#ifdef FIXTURE_MISSING_ENTRY
/* Exported under the wrong name, as an author who misspelt it would. */
PEDIA_STORAGE_EXPORT const pedia_storage_plugin* pedia_storage_plugin_entry_v0(const pedia_host_api* host) {
  (void)host;
  return &table;
}
#else
PEDIA_STORAGE_EXPORT const pedia_storage_plugin* pedia_storage_plugin_entry(const pedia_host_api* host) {
#ifdef FIXTURE_ENTRY_RETURNS_NULL
  static const char why[] = "fixture: refusing to run in any host";
  host->log(PEDIA_STORAGE_LOG_ERROR, 0, why, sizeof(why) - 1);
  return NULL;
#else
  if (!host || host->abi_major != PEDIA_STORAGE_ABI_MAJOR) return NULL;
  the_host = host;
  return &table;
#endif
}
#endif
