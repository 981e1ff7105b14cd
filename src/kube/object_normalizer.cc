#include "kube/object_normalizer.h"

#include <algorithm>

#include "base/feature_gates.h"
#include "base/json_scan.h"
#include "base/json_text.h"
#include "base/rfc3339.h"

namespace pedia::kube {
namespace {

using json::Span;
using json::Type;

Status Invalid(std::string_view what, std::string_view detail = {}) {
  std::string m = "invalid object: " + std::string(what);
  if (!detail.empty()) m += "\nDETAIL: " + std::string(detail);
  return Status::InvalidArgument(std::move(m));
}

// Appends `"key":value` (raw bytes) with a separating comma when needed.
void AppendMember(std::string& out, bool* first, std::string_view doc, Span key, Span value) {
  if (!*first) out += ',';
  *first = false;
  out.append(doc.substr(key.begin, key.end - key.begin));
  out += ':';
  out.append(doc.substr(value.begin, value.end - value.begin));
}

Status ReadString(std::string_view doc, Span value, std::string_view field, std::string* out) {
  if (json::TypeOf(doc, value) == Type::kNull) return Status::Ok();
  auto s = json::DecodeString(doc, value);
  if (!s.ok()) return Invalid("metadata." + std::string(field) + " is not a string");
  *out = std::move(s.value());
  return Status::Ok();
}

Status ReadTime(std::string_view doc, Span value, std::string_view field, int64_t* out) {
  if (json::TypeOf(doc, value) == Type::kNull) return Status::Ok();
  std::string text;
  if (Status s = ReadString(doc, value, field, &text); !s.ok()) return s;
  if (!ParseRfc3339(text, out)) return Invalid("metadata." + std::string(field) + " is not an RFC 3339 time");
  return Status::Ok();
}

Status ReadLabels(std::string_view doc, Span value, NormalizedObject* obj) {
  Type t = json::TypeOf(doc, value);
  if (t == Type::kNull) return Status::Ok();
  if (t != Type::kObject) return Invalid("metadata.labels is not an object");
  Status inner;
  Status s = json::ForEachMember(doc, value, [&](std::string_view, Span key, Span v) {
    auto k = json::DecodeString(doc, key);
    auto val = json::DecodeString(doc, v);
    if (!k.ok() || !val.ok()) {
      inner = Invalid("metadata.labels values must be strings");
      return false;
    }
    obj->labels.emplace_back(std::move(k.value()), std::move(val.value()));
    return true;
  });
  return s.ok() ? inner : s;
}

// The uid of the ownerReference with controller: true.
Status ReadControllerUid(std::string_view doc, Span value, std::string* out) {
  Type t = json::TypeOf(doc, value);
  if (t == Type::kNull) return Status::Ok();
  if (t != Type::kArray) return Invalid("metadata.ownerReferences is not an array");
  Status inner;
  Status s = json::ForEachElement(doc, value, [&](Span ref) {
    if (json::TypeOf(doc, ref) != Type::kObject) {
      inner = Invalid("metadata.ownerReferences items must be objects");
      return false;
    }
    bool controller = false;
    Span uid;
    inner = json::ForEachMember(doc, ref, [&](std::string_view key, Span, Span v) {
      if (json::KeyEquals(key, "controller"))
        controller = v.In(doc) == "true";
      else if (json::KeyEquals(key, "uid"))
        uid = v;
      return true;
    });
    if (!inner.ok()) return false;
    if (controller && !uid.empty()) {
      inner = ReadString(doc, uid, "ownerReferences.uid", out);
      return false;
    }
    return true;
  });
  return s.ok() ? inner : s;
}

// Rebuilds metadata.annotations into out (as a value); *emitted is false
// when nothing is left (the member is then omitted).
Status RebuildAnnotations(std::string_view doc, Span value, const NormalizeOptions& options, std::string* out) {
  Type t = json::TypeOf(doc, value);
  out->clear();
  *out += '{';
  bool first = true;
  if (t == Type::kObject) {
    Status inner;
    Status s = json::ForEachMember(doc, value, [&](std::string_view raw, Span key, Span v) {
      if (json::TypeOf(doc, v) != Type::kString) {
        inner = Invalid("metadata.annotations values must be strings");
        return false;
      }
      if (options.prune_last_applied && json::KeyEquals(raw, kLastAppliedAnnotation)) return true;
      if (!options.cluster_name.empty() && json::KeyEquals(raw, kClusterNameAnnotation)) return true;
      AppendMember(*out, &first, doc, key, v);
      return true;
    });
    if (!s.ok()) return s;
    if (!inner.ok()) return inner;
  } else if (t != Type::kNull && t != Type::kNone) {
    return Invalid("metadata.annotations is not an object");
  }
  if (!options.cluster_name.empty()) {
    if (!first) *out += ',';
    first = false;
    AppendJsonQuoted(*out, kClusterNameAnnotation);
    *out += ':';
    AppendJsonQuoted(*out, options.cluster_name);
  }
  *out += '}';
  if (first) out->clear();
  return Status::Ok();
}

Status RebuildMetadataAt(std::string_view doc, size_t* pos, const NormalizeOptions& options, NormalizedObject* obj,
                         std::string* out) {
  json::SkipSpace(doc, pos);
  if (*pos >= doc.size() || doc[*pos] != '{') return Invalid("metadata is not an object");
  *out += '{';
  bool first = true;
  bool saw_annotations = false;
  std::string annotations;
  Status s = json::WalkMembers(doc, pos, [&](std::string_view key, Span raw_key, size_t* vpos) -> Status {
    Span v;
    if (Status scan = json::ScanValue(doc, vpos, &v); !scan.ok()) return scan;
    if (options.prune_managed_fields && json::KeyEquals(key, "managedFields")) return Status::Ok();
    if (json::KeyEquals(key, "annotations")) {
      saw_annotations = true;
      if (Status a = RebuildAnnotations(doc, v, options, &annotations); !a.ok()) return a;
      if (!annotations.empty()) {
        if (!first) *out += ',';
        first = false;
        out->append(doc.substr(raw_key.begin, raw_key.end - raw_key.begin));
        *out += ':';
        *out += annotations;
      }
      return Status::Ok();
    }
    Status inner;
    if (json::KeyEquals(key, "name"))
      inner = ReadString(doc, v, key, &obj->name);
    else if (json::KeyEquals(key, "namespace"))
      inner = ReadString(doc, v, key, &obj->namespace_name);
    else if (json::KeyEquals(key, "uid"))
      inner = ReadString(doc, v, key, &obj->uid);
    else if (json::KeyEquals(key, "resourceVersion"))
      inner = ReadString(doc, v, key, &obj->resource_version);
    else if (json::KeyEquals(key, "creationTimestamp"))
      inner = ReadTime(doc, v, key, &obj->creation_unix_ms);
    else if (json::KeyEquals(key, "deletionTimestamp"))
      inner = ReadTime(doc, v, key, &obj->deletion_unix_ms);
    else if (json::KeyEquals(key, "labels"))
      inner = ReadLabels(doc, v, obj);
    else if (json::KeyEquals(key, "ownerReferences"))
      inner = ReadControllerUid(doc, v, &obj->owner_uid);
    if (!inner.ok()) return inner;
    AppendMember(*out, &first, doc, raw_key, v);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!saw_annotations && !options.cluster_name.empty()) {
    if (Status a = RebuildAnnotations(doc, Span{}, options, &annotations); !a.ok()) return a;
    if (!first) *out += ',';
    *out += "\"annotations\":";
    *out += annotations;
  }
  *out += '}';
  return Status::Ok();
}

}  // namespace

NormalizeOptions NormalizeOptionsFromGates(std::string cluster, std::string api_version, std::string kind) {
  NormalizeOptions o;
  o.cluster_name = std::move(cluster);
  o.api_version = std::move(api_version);
  o.kind = std::move(kind);
  o.prune_managed_fields = FeatureGates::Global().Enabled("PruneManagedFields");
  o.prune_last_applied = FeatureGates::Global().Enabled("PruneLastAppliedConfiguration");
  return o;
}

Result<NormalizedObject> NormalizeObjectAt(std::string_view doc, size_t* pos, const NormalizeOptions& options) {
  json::SkipSpace(doc, pos);
  if (*pos >= doc.size() || doc[*pos] != '{') return Invalid("expected a JSON object");
  NormalizedObject obj;
  std::string out;
  out.reserve(std::min<size_t>(doc.size() - *pos, 1 << 20) + 96);
  out += '{';
  bool first = true;
  bool has_api_version = false, has_kind = false, has_metadata = false;
  // Each top-level value is scanned once; metadata is parsed in place.
  Status s = json::WalkMembers(doc, pos, [&](std::string_view key, Span raw_key, size_t* vpos) -> Status {
    if (json::KeyEquals(key, "metadata")) {
      has_metadata = true;
      if (!first) out += ',';
      first = false;
      out.append(doc.substr(raw_key.begin, raw_key.end - raw_key.begin));
      out += ':';
      return RebuildMetadataAt(doc, vpos, options, &obj, &out);
    }
    Span v;
    if (Status scan = json::ScanValue(doc, vpos, &v); !scan.ok()) return scan;
    if (json::KeyEquals(key, "apiVersion")) has_api_version = json::TypeOf(doc, v) == Type::kString;
    if (json::KeyEquals(key, "kind")) has_kind = json::TypeOf(doc, v) == Type::kString;
    AppendMember(out, &first, doc, raw_key, v);
    return Status::Ok();
  });
  if (!s.ok()) {
    if (s.message().rfind("invalid object", 0) == 0) return s;
    return Invalid("not valid JSON", s.message());
  }
  if (!has_metadata) return Invalid("metadata is missing");
  if (obj.name.empty()) return Invalid("metadata.name is missing");
  if (obj.resource_version.empty()) return Invalid("metadata.resourceVersion is missing");
  out += '}';
  if ((!has_api_version && !options.api_version.empty()) || (!has_kind && !options.kind.empty())) {
    std::string prefix = "{";
    if (!has_api_version && !options.api_version.empty()) {
      prefix += "\"apiVersion\":";
      AppendJsonQuoted(prefix, options.api_version);
      prefix += ',';
    }
    if (!has_kind && !options.kind.empty()) {
      prefix += "\"kind\":";
      AppendJsonQuoted(prefix, options.kind);
      prefix += ',';
    }
    out.replace(0, 1, prefix);
  }
  obj.json = std::move(out);
  return obj;
}

Result<NormalizedObject> NormalizeObject(std::string_view doc, const NormalizeOptions& options) {
  size_t pos = 0;
  auto obj = NormalizeObjectAt(doc, &pos, options);
  if (!obj.ok()) return obj;
  json::SkipSpace(doc, &pos);
  if (pos != doc.size()) return Invalid("trailing data after the object");
  return obj;
}

}  // namespace pedia::kube
