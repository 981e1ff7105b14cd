/*
 * pedia storage plugin ABI.
 *
 * This header is the whole contract between pedia (the host) and a storage
 * layer (a plugin).  It is C99 and depends only on <stdint.h> and <stddef.h>,
 * so a layer may be written in any language that can export a C function.
 * The built-in layers ("memory", "internal") are registered through this same
 * table, so every test of pedia exercises it.
 *
 * A plugin contains exactly two things:
 *
 *  1. A pointer-free manifest in an ELF note (section ".note.pedia.storage",
 *     owner "PEDIA", type PEDIA_STORAGE_NOTE_TYPE).  `pedia plugin list` and
 *     `pedia plugin inspect` read it from the file without dlopen().  Emit it
 *     with PEDIA_STORAGE_PLUGIN_MANIFEST().
 *  2. One exported function, pedia_storage_plugin_entry(), which returns the
 *     plugin's function table.  Link with a version script that exports only
 *     this symbol (see plugins/sample-storage/plugin.map).
 *
 * Versioning.  A major bump is any incompatible change.  A minor bump only
 * appends members to the end of pedia_storage_plugin or pedia_host_api;
 * struct_size tells each side which members exist.  The host accepts a
 * plugin when abi_major is equal and the plugin's abi_minor is not newer
 * than the host's.  A member appended by minor N is marked "ABI 1.N".  A
 * plugin tests for such a host member with PEDIA_HOST_API_HAS() before
 * calling it (a host of an older minor passes a shorter struct_size); the
 * host checks a plugin table's struct_size in the same way.
 *
 *   1.0  the first release.
 *   1.1  pedia_host_api.alloc and pedia_host_api.free.
 *
 * Ownership.  No memory changes hands across a call.  Every buffer passed
 * in either direction is borrowed for the duration of the call only;
 * results flow back through sink callbacks whose arguments are likewise
 * borrowed.  Errors are written into a host-owned pedia_storage_error.
 * A layer that wants memory which outlives a call and is accounted by the
 * host (its instance, caches, watch state) may take it from the host's
 * allocator, pedia_host_api.alloc/free (ABI 1.1); it still owns and frees
 * that memory itself.
 *
 * Exceptions.  Nothing may unwind across this boundary.  A C++ layer must
 * catch everything at the boundary (include/pedia/storage_plugin.hpp does).
 *
 * Threading.  After open() returns, the host may call any function on one
 * instance from several threads at once; a layer must be thread-safe.
 * open() and close() are never concurrent with anything else on the same
 * instance.  Sink callbacks are called on the thread that made the call,
 * except watch sinks, which may be called from any thread of the layer.
 *
 * Trust.  A plugin runs inside the pedia process with its privileges.
 */
#ifndef PEDIA_STORAGE_ABI_H_
#define PEDIA_STORAGE_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PEDIA_STORAGE_ABI_MAJOR 1
#define PEDIA_STORAGE_ABI_MINOR 1

/** Name of the one function a plugin exports. */
#define PEDIA_STORAGE_ENTRY_SYMBOL "pedia_storage_plugin_entry"

/** ELF note owner and type of the manifest. */
#define PEDIA_STORAGE_NOTE_OWNER "PEDIA"
#define PEDIA_STORAGE_NOTE_TYPE 0x50445331u /* "PDS1" */

#if defined(__GNUC__)
#define PEDIA_STORAGE_EXPORT __attribute__((visibility("default")))
#else
#define PEDIA_STORAGE_EXPORT
#endif

/* ------------------------------------------------------------------------ */
/* Manifest                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * The plugin's manifest.  Fixed layout, no pointers and no padding, because
 * it is read from the file, where pointers are unrelocated.  All strings are
 * zero-terminated and zero-padded.
 */
typedef struct pedia_storage_manifest {
  uint32_t manifest_size; /* sizeof(pedia_storage_manifest) */
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t flags;    /* reserved, zero */
  uint32_t reserved; /* reserved, zero */
  char name[64];     /* storage name, the value of --storage-name */
  char version[64];  /* plugin version */
  /* One JSON object: gitCommit, buildDate, compiler, platform, libraries. */
  char build_info[512];
} pedia_storage_manifest;

/** The ELF note that carries the manifest. */
typedef struct pedia_storage_manifest_note {
  uint32_t namesz; /* 6: "PEDIA" and its terminator */
  uint32_t descsz; /* sizeof(pedia_storage_manifest) */
  uint32_t type;   /* PEDIA_STORAGE_NOTE_TYPE */
  char owner[8];   /* "PEDIA", padded to 4-byte alignment */
  pedia_storage_manifest desc;
} pedia_storage_manifest_note;

#define PEDIA_STORAGE_MANIFEST_INIT_(plugin_name, plugin_version, build_info_json) \
  {6u,                                                                                 \
   (uint32_t)sizeof(pedia_storage_manifest),                                           \
   PEDIA_STORAGE_NOTE_TYPE,                                                            \
   PEDIA_STORAGE_NOTE_OWNER,                                                           \
   {(uint32_t)sizeof(pedia_storage_manifest), PEDIA_STORAGE_ABI_MAJOR,                 \
    PEDIA_STORAGE_ABI_MINOR, 0u, 0u, plugin_name, plugin_version, build_info_json}}

/**
 * Emits the manifest note.  Use once per plugin, at file scope.
 * @param plugin_name     string literal, at most 63 bytes: the storage name.
 * @param plugin_version  string literal, at most 63 bytes.
 * @param build_info_json string literal, at most 511 bytes: a JSON object.
 */
#define PEDIA_STORAGE_PLUGIN_MANIFEST(plugin_name, plugin_version, build_info_json)      \
  __attribute__((used, section(".note.pedia.storage"), aligned(4)))                      \
  const pedia_storage_manifest_note pedia_storage_manifest_note_ =                       \
      PEDIA_STORAGE_MANIFEST_INIT_(plugin_name, plugin_version, build_info_json)

/* ------------------------------------------------------------------------ */
/* Common types                                                              */
/* ------------------------------------------------------------------------ */

/** Result of every call.  Maps onto Kubernetes Status reasons and codes. */
typedef enum pedia_storage_code {
  PEDIA_STORAGE_OK = 0,
  PEDIA_STORAGE_NOT_FOUND = 1,        /* 404 NotFound */
  PEDIA_STORAGE_ALREADY_EXISTS = 2,   /* 409 AlreadyExists */
  PEDIA_STORAGE_CONFLICT = 3,         /* 409 Conflict */
  PEDIA_STORAGE_INVALID_ARGUMENT = 4, /* 400 BadRequest / 422 Invalid */
  PEDIA_STORAGE_UNAVAILABLE = 5,      /* 503: recoverable, the caller retries */
  PEDIA_STORAGE_INTERNAL = 6,         /* 500 */
  PEDIA_STORAGE_UNIMPLEMENTED = 7,    /* 405 MethodNotSupported */
  PEDIA_STORAGE_EXPIRED = 8           /* 410 Gone: resourceVersion too old */
} pedia_storage_code;

/** Host-owned error out-parameter.  The layer writes a message on failure. */
typedef struct pedia_storage_error {
  char message[1024]; /* zero-terminated; empty on success */
} pedia_storage_error;

/** A borrowed byte range.  data may be NULL when len is 0.  Not terminated. */
typedef struct pedia_storage_bytes {
  const char* data;
  size_t len;
} pedia_storage_bytes;

/** A group/version/resource; group is empty for the core group. */
typedef struct pedia_storage_gvr {
  pedia_storage_bytes group;
  pedia_storage_bytes version;
  pedia_storage_bytes resource;
} pedia_storage_gvr;

/** Sentinel for "no time bound" in since/before and deletion time. */
#define PEDIA_STORAGE_NO_TIME INT64_MIN

/**
 * One object with its index fields, extracted once by the synchro.
 * object is the normalized JSON object exactly as it is to be served.
 */
typedef struct pedia_storage_object {
  pedia_storage_bytes namespace_name; /* empty for cluster-scoped objects */
  pedia_storage_bytes name;
  pedia_storage_bytes uid;
  pedia_storage_bytes owner_uid;        /* the controller ownerReference's uid, or empty */
  pedia_storage_bytes resource_version; /* the member cluster's, a decimal string */
  int64_t creation_unix_ms;
  int64_t deletion_unix_ms; /* PEDIA_STORAGE_NO_TIME when not being deleted */
  const pedia_storage_bytes* label_keys;
  const pedia_storage_bytes* label_values;
  size_t label_count;
  pedia_storage_bytes object; /* JSON */
} pedia_storage_object;

/** What a write batch applies to: one GVR of one cluster. */
typedef struct pedia_storage_resource {
  pedia_storage_bytes cluster;
  pedia_storage_gvr gvr;
  pedia_storage_bytes kind;
  uint32_t namespaced; /* 0 or 1 */
} pedia_storage_resource;

typedef enum pedia_storage_write_op {
  PEDIA_STORAGE_WRITE_UPSERT = 0, /* insert, or replace the object with the same key */
  PEDIA_STORAGE_WRITE_DELETE = 1  /* delete by (namespace, name); only those fields are read */
} pedia_storage_write_op;

typedef struct pedia_storage_write {
  uint32_t op; /* pedia_storage_write_op */
  pedia_storage_object object;
} pedia_storage_write;

/* ------------------------------------------------------------------------ */
/* Queries                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum pedia_storage_selector_op {
  PEDIA_STORAGE_OP_EXISTS = 0,
  PEDIA_STORAGE_OP_DOES_NOT_EXIST = 1,
  PEDIA_STORAGE_OP_EQUALS = 2, /* one value */
  PEDIA_STORAGE_OP_NOT_EQUALS = 3,
  PEDIA_STORAGE_OP_IN = 4, /* zero or more values */
  PEDIA_STORAGE_OP_NOT_IN = 5,
  PEDIA_STORAGE_OP_GREATER_THAN = 6, /* one integer value */
  PEDIA_STORAGE_OP_LESS_THAN = 7
} pedia_storage_selector_op;

/**
 * One label requirement (path_len == 0, key set) or field requirement
 * (path set).  A field path is a list of segments; a segment "[]" means any
 * element of a list and "[N]" element N.  NOT_EQUALS and NOT_IN match
 * objects that lack the key, as Kubernetes label selectors do.
 */
typedef struct pedia_storage_requirement {
  pedia_storage_bytes key;         /* label key */
  const pedia_storage_bytes* path; /* field path segments */
  size_t path_len;
  uint32_t op; /* pedia_storage_selector_op */
  const pedia_storage_bytes* values;
  size_t value_count;
} pedia_storage_requirement;

typedef enum pedia_storage_order_field {
  PEDIA_STORAGE_ORDER_CLUSTER = 0,
  PEDIA_STORAGE_ORDER_NAMESPACE = 1,
  PEDIA_STORAGE_ORDER_NAME = 2,
  PEDIA_STORAGE_ORDER_CREATED_AT = 3,
  PEDIA_STORAGE_ORDER_RESOURCE_VERSION = 4 /* compared as an integer */
} pedia_storage_order_field;

typedef struct pedia_storage_order_by {
  uint32_t field; /* pedia_storage_order_field */
  uint32_t descending;
} pedia_storage_order_by;

/** Query flags. */
#define PEDIA_STORAGE_QUERY_REMAINING_COUNT 0x1u /* fill summary.remaining_count */
#define PEDIA_STORAGE_QUERY_ONLY_METADATA 0x2u   /* rows may carry only metadata */

/**
 * A list (or get) query.  Every empty list means "no restriction".  Filters
 * combine with AND; values within one filter with OR.
 */
typedef struct pedia_storage_query {
  uint32_t struct_size; /* sizeof(pedia_storage_query) of the host */
  uint32_t flags;       /* PEDIA_STORAGE_QUERY_* */
  pedia_storage_gvr gvr;
  const pedia_storage_bytes* clusters;
  size_t cluster_count;
  const pedia_storage_bytes* namespaces;
  size_t namespace_count;
  const pedia_storage_bytes* names;
  size_t name_count;
  const pedia_storage_bytes* fuzzy_names; /* each must be a substring of the name */
  size_t fuzzy_name_count;
  const pedia_storage_requirement* labels;
  size_t label_count;
  const pedia_storage_requirement* fields;
  size_t field_count;
  /* Owner filter; only applied when exactly one cluster is given.  owner_uid
   * wins over owner_name.  owner_group/owner_resource narrow owner_name.
   * Seniority 0 selects direct children, 1 grandchildren, and so on. */
  pedia_storage_bytes owner_uid;
  pedia_storage_bytes owner_name;
  pedia_storage_bytes owner_group;
  pedia_storage_bytes owner_resource;
  int32_t owner_seniority;
  int32_t reserved0;
  int64_t since_unix_ms;  /* creation >= since, or PEDIA_STORAGE_NO_TIME */
  int64_t before_unix_ms; /* creation < before, or PEDIA_STORAGE_NO_TIME */
  const pedia_storage_order_by* order_by;
  size_t order_by_count;
  int64_t limit; /* 0 = no limit */
  /* An opaque token from a previous summary, or a decimal offset. */
  pedia_storage_bytes continue_token;
} pedia_storage_query;

/** One result row.  All fields are borrowed for the callback only. */
typedef struct pedia_storage_row {
  pedia_storage_bytes cluster;
  pedia_storage_gvr gvr;
  pedia_storage_bytes kind;
  pedia_storage_bytes namespace_name;
  pedia_storage_bytes name;
  pedia_storage_bytes resource_version;
  /* The whole object, or, when the query asked for ONLY_METADATA and the
   * layer has PEDIA_STORAGE_CAP_ONLY_METADATA, its metadata object only. */
  pedia_storage_bytes object;
  uint32_t metadata_only; /* 1 when object holds only metadata */
} pedia_storage_row;

/** After the last row of a list. */
typedef struct pedia_storage_list_summary {
  pedia_storage_bytes continue_token; /* empty when there are no more rows */
  int64_t remaining_count;            /* valid when has_remaining_count */
  uint32_t has_remaining_count;
  pedia_storage_bytes resource_version; /* list resourceVersion, may be empty */
} pedia_storage_list_summary;

/**
 * Receives rows.  row() returns 0 to go on and non-zero to stop early; a
 * stopped list still returns OK and still calls done().
 */
typedef struct pedia_storage_row_sink {
  void* ctx;
  int (*row)(void* ctx, const pedia_storage_row* row);
  void (*done)(void* ctx, const pedia_storage_list_summary* summary);
} pedia_storage_row_sink;

/** Receives the stored resourceVersions of one cluster. */
typedef struct pedia_storage_rv_sink {
  void* ctx;
  void (*entry)(void* ctx, const pedia_storage_gvr* gvr, pedia_storage_bytes namespace_name,
                pedia_storage_bytes name, pedia_storage_bytes resource_version);
} pedia_storage_rv_sink;

/** Receives cluster status records: the PediaCluster object as JSON. */
typedef struct pedia_storage_cluster_sink {
  void* ctx;
  void (*cluster)(void* ctx, pedia_storage_bytes name, pedia_storage_bytes record_json);
} pedia_storage_cluster_sink;

/* ------------------------------------------------------------------------ */
/* Watch (optional)                                                          */
/* ------------------------------------------------------------------------ */

typedef enum pedia_storage_event_type {
  PEDIA_STORAGE_EVENT_ADDED = 0,
  PEDIA_STORAGE_EVENT_MODIFIED = 1,
  PEDIA_STORAGE_EVENT_DELETED = 2,
  PEDIA_STORAGE_EVENT_BOOKMARK = 3 /* row.object is empty; row.resource_version is the watch RV */
} pedia_storage_event_type;

/**
 * Receives watch events, in order, from any thread of the layer.  event()
 * must not block; it returns non-zero when the host wants the watch ended.
 * The row's resource_version is the watch resourceVersion to resume from.
 * closed() is called exactly once, last, with OK after watch_stop() or with
 * the reason the layer ended the watch.
 */
typedef struct pedia_storage_watch_sink {
  void* ctx;
  int (*event)(void* ctx, uint32_t type, const pedia_storage_row* row);
  void (*closed)(void* ctx, uint32_t code, const char* message);
} pedia_storage_watch_sink;

typedef struct pedia_storage_watch_handle pedia_storage_watch_handle;

/* ------------------------------------------------------------------------ */
/* Host API                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum pedia_storage_log_severity {
  PEDIA_STORAGE_LOG_INFO = 0,
  PEDIA_STORAGE_LOG_WARNING = 1,
  PEDIA_STORAGE_LOG_ERROR = 2
} pedia_storage_log_severity;

/** What the host gives a plugin.  Valid for the life of the process. */
typedef struct pedia_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  const char* host_version;
  /**
   * Logs one line in the host's klog format.
   * @param severity  pedia_storage_log_severity.
   * @param verbosity the -v level at which an INFO line shows; ignored otherwise.
   * @param msg       the message, len bytes, not terminated.
   * Thread-safe.  Never pass credentials.
   */
  void (*log)(uint32_t severity, int32_t verbosity, const char* msg, size_t len);
  /** @return non-zero when -v is at least level. */
  int (*v_enabled)(int32_t level);
  /** @return non-zero when the named feature gate is on. */
  int (*feature_enabled)(const char* name);

  /* ---- ABI 1.1 and later: test with PEDIA_HOST_API_HAS(host, alloc). ---- */

  /**
   * Allocates memory from the host, which accounts it to the storage layers
   * (it is not freed for you: a leak stays visible to the host).
   *
   * Use it for memory that must outlive a call: the instance returned by
   * open(), caches, watch state.  It is not a way to hand results to the
   * host: sinks still borrow their arguments, and the host never frees a
   * pointer the layer returns.  Memory used only within one call is better
   * taken from the stack or the layer's own allocator.
   *
   * @param size      bytes wanted; 0 is treated as 1.
   * @param alignment a power of two, or 0 for alignof(max_align_t).
   * @return the memory, uninitialized, aligned as asked; NULL when memory is
   *         exhausted or alignment is not a power of two (or above 4096).
   * OWNERSHIP: the memory belongs to the layer until it passes it to free()
   * of this same table.  Never pass it to the C library's free().
   * Thread-safe; may be called from any thread, including sinks' threads.
   */
  void* (*alloc)(size_t size, size_t alignment);

  /**
   * Returns memory obtained from alloc() of this table.
   * @param ptr the pointer alloc() returned, or NULL (a no-op).
   * OWNERSHIP: ptr is invalid once free() is called.
   * Thread-safe; may be called from any thread.
   */
  void (*free)(void* ptr);
} pedia_host_api;

/**
 * Non-zero when the host's table has member (a member appended by a later
 * minor; older hosts pass a shorter struct_size).  Requires a non-NULL host.
 *   if (PEDIA_HOST_API_HAS(host, alloc)) p = host->alloc(n, 0);
 */
#define PEDIA_HOST_API_HAS(host, member)                                             \
  ((host)->struct_size >= offsetof(pedia_host_api, member) + sizeof((host)->member) && \
   (host)->member != NULL)

/* ------------------------------------------------------------------------ */
/* Plugin table                                                              */
/* ------------------------------------------------------------------------ */

/** Capability bits of a layer (pedia_storage_plugin.capabilities). */
#define PEDIA_STORAGE_CAP_GET 0x1u
#define PEDIA_STORAGE_CAP_LIST 0x2u
#define PEDIA_STORAGE_CAP_WATCH 0x4u
#define PEDIA_STORAGE_CAP_FIELD_SELECTOR 0x8u
#define PEDIA_STORAGE_CAP_OWNER 0x10u
#define PEDIA_STORAGE_CAP_FUZZY_NAME 0x20u
#define PEDIA_STORAGE_CAP_ORDER_BY 0x40u
#define PEDIA_STORAGE_CAP_REMAINING_COUNT 0x80u
#define PEDIA_STORAGE_CAP_ONLY_METADATA 0x100u
/** The layer's data outlives the process (so a synchro can resume). */
#define PEDIA_STORAGE_CAP_PERSISTENT 0x200u
/** The layer can only be shared inside one process (binding-apiserver). */
#define PEDIA_STORAGE_CAP_IN_PROCESS_ONLY 0x400u

typedef struct pedia_storage_instance pedia_storage_instance;

/**
 * A storage layer.  Returned by pedia_storage_plugin_entry(); static, owned
 * by the plugin, valid until the process exits (plugins are never unloaded).
 * Every function returns a pedia_storage_code and, on failure, writes a
 * message into err (never NULL).  Messages must not contain credentials.
 */
typedef struct pedia_storage_plugin {
  uint32_t struct_size; /* sizeof(pedia_storage_plugin) the plugin was built with */
  uint16_t abi_major;
  uint16_t abi_minor;
  const char* name;    /* equal to the manifest's name */
  const char* version; /* equal to the manifest's version */
  uint64_t capabilities; /* PEDIA_STORAGE_CAP_* */

  /**
   * Opens the layer.  Called once per process at start-up.
   * @param config      the --storage-config file's bytes (YAML), possibly empty.
   * @param config_path the file's path, for error messages; possibly empty.
   * @param out         receives the instance on success.
   * @return OK; INVALID_ARGUMENT for a bad config (say where: file:line:col);
   *         UNAVAILABLE when a backing service cannot be reached.
   * OWNERSHIP: the instance belongs to the layer until close().
   */
  uint32_t (*open)(pedia_storage_bytes config, pedia_storage_bytes config_path,
                   pedia_storage_instance** out, pedia_storage_error* err);

  /** Releases the instance.  Called once, after every other call returned. */
  void (*close)(pedia_storage_instance* instance);

  /**
   * Readiness, for /readyz.  Must answer within a second.
   * @return OK when the layer can serve reads and writes.
   */
  uint32_t (*ready)(pedia_storage_instance* instance, pedia_storage_error* err);

  /**
   * Applies upserts and deletes to one GVR of one cluster, in order.  Called
   * by the synchro with batches of up to a few thousand writes.  Must be
   * idempotent: on UNAVAILABLE the synchro retries the whole batch.  A
   * delete of a missing object is OK.
   * @param failed_index on INVALID_ARGUMENT, the index of the offending write;
   *        the synchro drops that write and retries the rest.
   */
  uint32_t (*write_batch)(pedia_storage_instance* instance, const pedia_storage_resource* resource,
                          const pedia_storage_write* writes, size_t count, size_t* failed_index,
                          pedia_storage_error* err);

  /**
   * Lists objects.  Rows are streamed to sink in order; done() follows the
   * last row.  The query's continue token comes from an earlier summary of
   * the same query, or is a decimal offset.
   * @return OK; INVALID_ARGUMENT for a filter the layer cannot evaluate
   *         (say which); UNIMPLEMENTED for a capability it lacks.
   */
  uint32_t (*list)(pedia_storage_instance* instance, const pedia_storage_query* query,
                   const pedia_storage_row_sink* sink, pedia_storage_error* err);

  /**
   * Gets one object by its key.
   *
   * Called by the apiserver for every GET of a single object of one
   * cluster, concurrently with writes and other reads.
   * Only with PEDIA_STORAGE_CAP_GET; the table member is still required.
   *
   * @param instance       the instance open() returned.
   * @param cluster        the cluster name; never empty.
   * @param gvr            the object's group/version/resource; the group is
   *                       empty for the core group.  Never NULL.
   * @param namespace_name the namespace; empty for a cluster-scoped object.
   * @param name           the object's name; never empty.
   * @param sink           receives the object: sink->row() exactly once on
   *                       OK, never on failure.  sink->done() need not be
   *                       called; the host ignores it for get.
   * @param err            host-owned; receives a message on failure.
   * @return OK after the row was delivered; NOT_FOUND when there is no such
   *         object (the message names the cluster, resource and key);
   *         UNAVAILABLE when a backing service cannot be reached (the
   *         apiserver answers 503); UNIMPLEMENTED without CAP_GET;
   *         INTERNAL for anything else.
   * OWNERSHIP: every argument is borrowed for the call; the row the layer
   * passes to sink->row() is borrowed by the host for that callback only.
   * THREADING: any thread; sink->row() is called on the calling thread
   * before get returns.  The host's sink never calls back into the layer,
   * so the layer may hold its locks while calling it.
   */
  uint32_t (*get)(pedia_storage_instance* instance, pedia_storage_bytes cluster,
                  const pedia_storage_gvr* gvr, pedia_storage_bytes namespace_name,
                  pedia_storage_bytes name, const pedia_storage_row_sink* sink,
                  pedia_storage_error* err);

  /**
   * Streams every stored (gvr, namespace, name, resourceVersion) of one
   * cluster.
   *
   * Called by the synchro when a cluster synchro starts or its resources are
   * renegotiated, so that it resumes from what is stored: objects whose
   * resourceVersion is unchanged are not rewritten, and stored objects the
   * member cluster no longer has are deleted.  May take a while on large
   * clusters; it is never on a request path.
   *
   * @param instance the instance open() returned.
   * @param cluster  the cluster name; never empty.
   * @param sink     sink->entry() is called once per stored object, in any
   *                 order, with the resource_version of the object's last
   *                 upsert.
   * @param err      host-owned; receives a message on failure.
   * @return OK, also for a cluster with no objects (no entry is called);
   *         UNAVAILABLE when a backing service cannot be reached (the
   *         synchro retries); INTERNAL for anything else.  On failure the
   *         entries already delivered are discarded by the host.
   * OWNERSHIP: cluster and sink are borrowed for the call; the arguments of
   * sink->entry() are borrowed by the host for that callback only.
   * THREADING: any thread; sink->entry() is called on the calling thread
   * before resource_versions returns, and never calls back into the layer.
   * Writes, also to this cluster, may run concurrently; the entries then
   * reflect some state of the cluster during the call.
   */
  uint32_t (*resource_versions)(pedia_storage_instance* instance, pedia_storage_bytes cluster,
                                const pedia_storage_rv_sink* sink, pedia_storage_error* err);

  /**
   * Deletes every object of one cluster, of every GVR.
   *
   * Called by the synchro when a cluster is removed (its PediaCluster is
   * being deleted or it left the configuration, also while pedia was not
   * running), before delete_cluster() removes its status record.
   *
   * @param instance the instance open() returned.
   * @param cluster  the cluster name; never empty.
   * @param err      host-owned; receives a message on failure.
   * @return OK, also when nothing of the cluster is stored; UNAVAILABLE when
   *         a backing service cannot be reached; INTERNAL for anything else.
   *         Must be idempotent: after a failure the host may call it again.
   * OWNERSHIP: cluster is borrowed for the call.
   * THREADING: any thread.  The cluster's synchro is stopped first, so no
   * write to this cluster runs concurrently; reads and other clusters'
   * writes may.
   */
  uint32_t (*clean_cluster)(pedia_storage_instance* instance, pedia_storage_bytes cluster,
                            pedia_storage_error* err);

  /**
   * Deletes every object of one GVR of one cluster.
   *
   * Called by the synchro when a resource is no longer synced for a
   * cluster (removed from its sync resources, or no longer served by the
   * member cluster), after that resource's synchro has stopped.
   *
   * @param instance the instance open() returned.
   * @param cluster  the cluster name; never empty.
   * @param gvr      the group/version/resource to delete; never NULL.  Only
   *                 objects stored under exactly this version are deleted.
   * @param err      host-owned; receives a message on failure.
   * @return OK, also when nothing of that GVR is stored; UNAVAILABLE when a
   *         backing service cannot be reached (the synchro reports the
   *         resource as CleanResourceFailed in the cluster's status);
   *         INTERNAL for anything else.  Must be idempotent.
   * OWNERSHIP: cluster and gvr are borrowed for the call.
   * THREADING: any thread.  No write to this (cluster, GVR) runs
   * concurrently; anything else may.
   */
  uint32_t (*clean_resource)(pedia_storage_instance* instance, pedia_storage_bytes cluster,
                             const pedia_storage_gvr* gvr, pedia_storage_error* err);

  /**
   * Stores or replaces the status record of one cluster.
   *
   * Called by the synchro whenever a cluster's status changes (conditions,
   * synced resources, versions) and once more at shutdown; the apiserver
   * serves the records as PediaCluster objects through list_clusters().
   * A layer stores record_json verbatim and does not parse it.
   *
   * @param instance    the instance open() returned.
   * @param name        the cluster name; INVALID_ARGUMENT when empty.
   * @param record_json the PediaCluster object as JSON, a few KB.
   * @param err         host-owned; receives a message on failure.
   * @return OK; INVALID_ARGUMENT for an empty name; UNAVAILABLE when a
   *         backing service cannot be reached (the synchro retries after a
   *         second); INTERNAL for anything else.
   * OWNERSHIP: name and record_json are borrowed for the call; a layer that
   * keeps the record copies it.
   * THREADING: any thread; calls for different names may run
   * concurrently.  Calls for one name come from that cluster's synchro;
   * should two overlap, the one that returns last must win.
   */
  uint32_t (*put_cluster)(pedia_storage_instance* instance, pedia_storage_bytes name,
                          pedia_storage_bytes record_json, pedia_storage_error* err);

  /**
   * Deletes the status record of one cluster.
   *
   * Called by the synchro when a cluster is removed, after clean_cluster()
   * succeeded for it.
   *
   * @param instance the instance open() returned.
   * @param name     the cluster name; never empty.
   * @param err      host-owned; receives a message on failure.
   * @return OK, also when there is no such record; UNAVAILABLE when a
   *         backing service cannot be reached; INTERNAL for anything else.
   *         The host logs a failure.
   * OWNERSHIP: name is borrowed for the call.
   * THREADING: any thread, concurrently with anything for other names.
   */
  uint32_t (*delete_cluster)(pedia_storage_instance* instance, pedia_storage_bytes name,
                             pedia_storage_error* err);

  /**
   * Streams every cluster status record.
   *
   * Called by the apiserver to serve PediaCluster lists and gets, by the
   * synchro at start-up to find clusters removed while pedia was not
   * running, and by `pedia kubeconfig`.
   *
   * @param instance the instance open() returned.
   * @param sink     sink->cluster() is called once per record, in any order,
   *                 with the name and the JSON last given to put_cluster().
   * @param err      host-owned; receives a message on failure.
   * @return OK, also when there are no records; UNAVAILABLE when a backing
   *         service cannot be reached; INTERNAL for anything else.
   * OWNERSHIP: sink is borrowed for the call; the arguments of
   * sink->cluster() are borrowed by the host for that callback only.
   * THREADING: any thread; sink->cluster() is called on the calling thread
   * before list_clusters returns.  The host's sink never calls back into
   * the layer, so the layer may hold its locks while calling it.
   */
  uint32_t (*list_clusters)(pedia_storage_instance* instance,
                            const pedia_storage_cluster_sink* sink, pedia_storage_error* err);

  /**
   * Starts a watch (only with PEDIA_STORAGE_CAP_WATCH; otherwise NULL).
   * Filters use the query's clusters, namespaces, names and labels.
   * @param resource_version "" or "0" to start with ADDED events for every
   *        current object, else the RV of a list or an earlier event.
   * @return EXPIRED when resource_version is older than the layer's window;
   *         INVALID_ARGUMENT when it is malformed.
   * OWNERSHIP: *out belongs to the layer; release it with watch_stop().
   */
  uint32_t (*watch)(pedia_storage_instance* instance, const pedia_storage_query* query,
                    pedia_storage_bytes resource_version, const pedia_storage_watch_sink* sink,
                    pedia_storage_watch_handle** out, pedia_storage_error* err);

  /**
   * Ends a watch.  After it returns, the sink is never called again; closed()
   * has been called.  Safe to call from any thread but not from the sink.
   */
  void (*watch_stop)(pedia_storage_instance* instance, pedia_storage_watch_handle* handle);
} pedia_storage_plugin;

/**
 * The one exported function.
 * @param host the host's API; valid for the life of the process.
 * @return the plugin's table, or NULL when the plugin cannot run in this host
 *         (log why through host->log first).
 */
typedef const pedia_storage_plugin* (*pedia_storage_plugin_entry_fn)(const pedia_host_api* host);

#ifdef __cplusplus
}
#endif

#endif /* PEDIA_STORAGE_ABI_H_ */
