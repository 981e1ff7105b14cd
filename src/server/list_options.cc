#include "server/list_options.h"

#include <algorithm>
#include <cstdio>

#include "base/rfc3339.h"
#include "base/string_util.h"
#include "storage/selector.h"

namespace pedia::server {
namespace {

constexpr std::string_view kSearchPrefix = "search.clusterpedia.io/";
constexpr std::string_view kFuzzyNameLabel = "internalstorage.clusterpedia.io/fuzzy-name";

struct OrderField {
  std::string_view name;
  pedia_storage_order_field field;
};
constexpr OrderField kOrderFields[] = {
    {"cluster", PEDIA_STORAGE_ORDER_CLUSTER},
    {"namespace", PEDIA_STORAGE_ORDER_NAMESPACE},
    {"name", PEDIA_STORAGE_ORDER_NAME},
    {"created_at", PEDIA_STORAGE_ORDER_CREATED_AT},
    {"resource_version", PEDIA_STORAGE_ORDER_RESOURCE_VERSION},
};

Status BadOrderField(std::string_view field) {
  return Status::InvalidArgument("unknown order-by field \"" + std::string(field) +
                                 "\"\nHINT: order by cluster, namespace, name, created_at or resource_version");
}

Result<storage::OrderBy> OrderByField(std::string_view field, bool descending) {
  for (const OrderField& f : kOrderFields) {
    if (f.name == field) return storage::OrderBy{f.field, descending};
  }
  return BadOrderField(field);
}

// Go's strconv.ParseBool, which Kubernetes' query decoding uses.
bool ParseBool(std::string_view s, bool* out) {
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") {
    *out = true;
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") {
    *out = false;
    return true;
  }
  return false;
}

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  for (std::string_view piece : SplitAndTrim(s, ',')) {
    if (!piece.empty()) out.emplace_back(piece);
  }
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses "YYYY-MM-DD" and optional " HH:MM:SS" as UTC.
bool ParseDateTime(std::string_view s, bool with_time, int64_t* unix_seconds) {
  std::string rfc(s.substr(0, 10));
  if (with_time) {
    if (s.size() != 19 || s[10] != ' ') return false;
    rfc += 'T';
    rfc.append(s.substr(11));
  } else {
    if (s.size() != 10) return false;
    rfc += "T00:00:00";
  }
  rfc += 'Z';
  return ParseRfc3339Seconds(rfc, unix_seconds);
}

class Parser {
 public:
  Parser(const ListContext& context, ListOptions* out) : context_(context), out_(out) {}

  std::optional<ApiError> Run(const QueryParams& params) {
    storage::ListQuery& q = out_->query;
    std::string label_selector, field_selector;
    bool have_remaining = false;
    for (const auto& [key, value] : params) {
      if (key == "clusters") {
        Append(&q.clusters, value);
      } else if (key == "namespaces") {
        Append(&q.namespaces, value);
      } else if (key == "names") {
        Append(&q.names, value);
      } else if (key == "orderby") {
        for (std::string_view term : SplitAndTrim(value, ',')) {
          if (term.empty()) continue;
          Result<storage::OrderBy> o = ParseOrderByTerm(term);
          if (!o.ok()) return ApiError::BadParameter("orderby", o.status().message());
          q.order_by.push_back(o.value());
        }
      } else if (key == "ownerUID") {
        q.owner_uid = value;
      } else if (key == "ownerName") {
        q.owner_name = value;
      } else if (key == "ownerGR") {
        if (auto e = SetOwnerGr(value, "ownerGR")) return e;
      } else if (key == "ownerSeniority") {
        if (auto e = SetSeniority(value, "ownerSeniority")) return e;
      } else if (key == "since" || key == "before") {
        Result<int64_t> t = ParseSearchTime(value);
        if (!t.ok()) return ApiError::BadParameter(key, t.status().message());
        (key == "since" ? q.since_unix_ms : q.before_unix_ms) = t.value();
      } else if (key == "limit") {
        long long n = 0;
        if (auto e = ParseNonNegative("limit", value, &n)) return e;
        q.limit = n;
      } else if (key == "continue") {
        q.continue_token = value;
      } else if (key == "withContinue") {
        if (!ParseBool(value, &out_->with_continue)) return BadBool(key, value);
      } else if (key == "withRemainingCount") {
        if (!ParseBool(value, &q.with_remaining_count)) return BadBool(key, value);
        have_remaining = true;
      } else if (key == "onlyMetadata") {
        if (!ParseBool(value, &q.only_metadata)) return BadBool(key, value);
      } else if (key == "labelSelector") {
        label_selector = value;
      } else if (key == "fieldSelector") {
        field_selector = value;
      } else if (key == "watch") {
        if (!ParseBool(value, &out_->watch)) return BadBool(key, value);
      } else if (key == "allowWatchBookmarks") {
        if (!ParseBool(value, &out_->allow_watch_bookmarks)) return BadBool(key, value);
      } else if (key == "resourceVersion") {
        out_->resource_version = value;
      } else if (key == "timeoutSeconds") {
        long long n = 0;
        if (auto e = ParseNonNegative(key, value, &n)) return e;
        out_->timeout_seconds = n;
      } else if (key == "includeObject") {
        if (value != "None" && value != "Metadata" && value != "Object") {
          return ApiError::BadParameter(key, "must be None, Metadata or Object, got \"" + value + "\"");
        }
        out_->include_object = value;
      } else if (key == "injectEvents") {
        bool inject = false;
        if (!ParseBool(value, &inject)) return BadBool(key, value);
        if (inject) return NoEventInjection(key);
      } else if (key == "whereSQL" || key == "whereSQLStatement" || key == "whereSQLParam" ||
                 key == "whereSQLJSONParams") {
        return ApiError::BadParameter(key,
                                      "raw SQL queries are not supported by pedia\n"
                                      "HINT: use labelSelector, fieldSelector and the search parameters");
      }
      // Other parameters (pretty, timeout, resourceVersionMatch, ...) are
      // accepted and ignored, as Kubernetes does.
    }
    if (!label_selector.empty()) {
      if (auto e = ApplyLabelSelector(label_selector)) return e;
    }
    if (!field_selector.empty()) {
      Result<std::vector<storage::Requirement>> fields = storage::ParseFieldSelector(field_selector);
      if (!fields.ok()) {
        return ApiError::Invalid("invalid field selector \"" + field_selector + "\": " + fields.status().message());
      }
      for (storage::Requirement& r : fields.value()) {
        // metadata.name= and metadata.namespace= use the index columns.
        bool single =
            r.op == PEDIA_STORAGE_OP_EQUALS && r.values.size() == 1 && r.path.size() == 2 && r.path[0] == "metadata";
        if (single && r.path[1] == "name") {
          q.names.push_back(r.values[0]);
        } else if (single && r.path[1] == "namespace") {
          q.namespaces.push_back(r.values[0]);
        } else {
          q.fields.push_back(std::move(r));
        }
      }
    }
    if (!have_remaining && !remaining_from_label_) q.with_remaining_count = context_.remaining_count_default;
    if (context_.metadata_accept) q.only_metadata = true;
    if (!context_.path_cluster.empty()) q.clusters = {context_.path_cluster};
    if (!context_.path_namespace.empty()) q.namespaces = {context_.path_namespace};
    if (q.since_unix_ms != PEDIA_STORAGE_NO_TIME && q.before_unix_ms != PEDIA_STORAGE_NO_TIME &&
        q.before_unix_ms < q.since_unix_ms) {
      return ApiError::BadParameter("before", "since is after before");
    }
    if ((!q.owner_uid.empty() || !q.owner_name.empty()) && q.clusters.size() != 1) {
      return ApiError::BadRequest(
          "If searching by owner uid or name, then the cluster must be specified\n"
          "HINT: add clusters=<one cluster> or use the .../resources/clusters/<cluster>/ path");
    }
    return std::nullopt;
  }

 private:
  static void Append(std::vector<std::string>* list, std::string_view value) {
    for (std::string& v : SplitList(value)) list->push_back(std::move(v));
  }

  // injectEvents asks for each object's events in the annotation
  // shadow.clusterpedia.io/events (§4.4, §6.7); pedia syncs no events beside
  // the objects they concern, so it cannot add them.
  static ApiError NoEventInjection(std::string_view parameter) {
    return ApiError::BadParameter(parameter,
                                  "injecting events (annotation shadow.clusterpedia.io/events) is not supported by "
                                  "pedia yet\nHINT: list the events themselves, e.g. kubectl get events "
                                  "--field-selector involvedObject.name=<name>, or leave it false");
  }

  static ApiError BadBool(std::string_view key, std::string_view value) {
    return ApiError::BadParameter(key, "must be true or false, got \"" + std::string(value) + "\"");
  }

  std::optional<ApiError> SetOwnerGr(std::string_view value, std::string_view name) {
    std::string_view v = Trim(value);
    if (v.empty()) return ApiError::BadParameter(name, "must be <resource>.<group>, e.g. deployments.apps");
    size_t dot = v.find('.');
    out_->query.owner_resource = std::string(v.substr(0, dot));
    out_->query.owner_group = dot == std::string_view::npos ? "" : std::string(v.substr(dot + 1));
    if (out_->query.owner_resource.empty()) {
      return ApiError::BadParameter(name, "must be <resource>.<group>, e.g. deployments.apps");
    }
    return std::nullopt;
  }

  std::optional<ApiError> SetSeniority(std::string_view value, std::string_view name) {
    long long n = 0;
    if (!ParseInt64(value, &n) || n < 0 || n > 16) {
      return ApiError::BadParameter(name, "must be an integer from 0 to 16, got \"" + std::string(value) + "\"");
    }
    out_->query.owner_seniority = static_cast<int32_t>(n);
    return std::nullopt;
  }

  // The search labels fill only options the URL left empty (§4.4).
  std::optional<ApiError> ApplyLabelSelector(const std::string& selector) {
    Result<std::vector<storage::Requirement>> parsed = storage::ParseLabelSelector(selector);
    if (!parsed.ok()) {
      return ApiError::Invalid("invalid label selector \"" + selector + "\": " + parsed.status().message());
    }
    storage::ListQuery& q = out_->query;
    for (storage::Requirement& r : parsed.value()) {
      if (r.key == kFuzzyNameLabel) {
        for (std::string& v : r.values) q.fuzzy_names.push_back(std::move(v));
        continue;
      }
      if (r.key.find("clusterpedia.io") == std::string::npos) {
        q.labels.push_back(std::move(r));
        continue;
      }
      if (!StartsWith(r.key, kSearchPrefix)) continue;  // other clusterpedia.io keys are not filters
      std::string_view name = std::string_view(r.key).substr(kSearchPrefix.size());
      std::string first = r.values.empty() ? "" : r.values[0];
      const std::string& label = r.key;
      if (name == "clusters") {
        if (q.clusters.empty()) q.clusters = r.values;
      } else if (name == "namespaces") {
        if (q.namespaces.empty()) q.namespaces = r.values;
      } else if (name == "names") {
        if (q.names.empty()) q.names = r.values;
      } else if (name == "orderby") {
        if (!q.order_by.empty()) continue;
        for (const std::string& v : r.values) {
          Result<storage::OrderBy> o = ParseOrderByLabel(v);
          if (!o.ok()) return ApiError::BadParameter(label, o.status().message());
          q.order_by.push_back(o.value());
        }
      } else if (name == "owner-uid") {
        if (q.owner_uid.empty()) q.owner_uid = first;
      } else if (name == "owner-name") {
        if (q.owner_name.empty()) q.owner_name = first;
      } else if (name == "owner-gr") {
        if (q.owner_resource.empty()) {
          if (auto e = SetOwnerGr(first, label)) return e;
        }
      } else if (name == "owner-seniority") {
        if (q.owner_seniority == 0) {
          if (auto e = SetSeniority(first, label)) return e;
        }
      } else if (name == "since" || name == "before") {
        int64_t& slot = name == "since" ? q.since_unix_ms : q.before_unix_ms;
        if (slot != PEDIA_STORAGE_NO_TIME) continue;
        Result<int64_t> t = ParseSearchTime(first);
        if (!t.ok()) return ApiError::BadParameter(label, t.status().message());
        slot = t.value();
      } else if (name == "limit") {
        long long n = 0;
        if (auto e = ParseNonNegative(label, first, &n)) return e;
        if (q.limit == 0) q.limit = n;
      } else if (name == "offset") {
        long long n = 0;
        if (auto e = ParseNonNegative(label, first, &n)) return e;
        if (q.continue_token.empty()) q.continue_token = first;
      } else if (name == "with-continue") {
        bool b = false;
        if (!ParseBool(first, &b)) return BadBool(label, first);
        if (!out_->with_continue) out_->with_continue = b;
      } else if (name == "with-remaining-count") {
        bool b = false;
        if (!ParseBool(first, &b)) return BadBool(label, first);
        if (!q.with_remaining_count) q.with_remaining_count = b;
        remaining_from_label_ = true;
      } else if (name == "inject-events") {
        bool inject = false;
        if (!ParseBool(first, &inject)) return BadBool(label, first);
        if (inject) return NoEventInjection(label);
      } else if (name == "forward") {
        // Clusterpedia drops this requirement whatever its operator and value
        // and proxies the request to the member cluster (§4.3 step 1, §4.7).
        return ApiError::BadParameter(label,
                                      "forwarding requests to member clusters is not supported by pedia yet\n"
                                      "HINT: drop the label; pedia answers from the synced objects in storage");
      } else {
        return ApiError::BadParameter(label, "unknown search label\nHINT: see clusterpedia.io search labels");
      }
    }
    return std::nullopt;
  }

  const ListContext& context_;
  ListOptions* out_;
  bool remaining_from_label_ = false;
};

}  // namespace

Result<storage::OrderBy> ParseOrderByTerm(std::string_view term) {
  std::vector<std::string_view> words;
  for (std::string_view w : SplitAndTrim(Trim(term), ' ')) {
    if (!w.empty()) words.push_back(w);
  }
  if (words.empty() || words.size() > 2) {
    return Status::InvalidArgument("Invalid Query OrderBy: \"" + std::string(term) +
                                   "\"\nHINT: use \"<field>\" or \"<field> desc\"");
  }
  bool descending = false;
  if (words.size() == 2) {
    if (words[1] == "desc")
      descending = true;
    else if (words[1] != "asc") {
      return Status::InvalidArgument("Invalid Query OrderBy: \"" + std::string(term) +
                                     "\"\nHINT: the only direction words are asc and desc");
    }
  }
  return OrderByField(words[0], descending);
}

Result<storage::OrderBy> ParseOrderByLabel(std::string_view value) {
  std::string_view v = Trim(value);
  bool descending = EndsWith(v, "_desc");
  if (descending)
    v.remove_suffix(5);
  else if (EndsWith(v, "_asc"))
    v.remove_suffix(4);
  return OrderByField(v, descending);
}

Result<int64_t> ParseSearchTime(std::string_view text) {
  std::string_view s = Trim(text);
  int64_t seconds = 0;
  if (AllDigits(s) && (s.size() == 10 || s.size() == 13)) {
    long long n = 0;
    ParseInt64(s, &n);
    return s.size() == 10 ? n * 1000 : n;
  }
  if (s.find('T') != std::string_view::npos) {
    if (ParseRfc3339Seconds(s, &seconds)) return seconds * 1000;
  } else if (ParseDateTime(s, s.size() > 10, &seconds)) {
    return seconds * 1000;
  }
  return Status::InvalidArgument("cannot parse \"" + std::string(s) +
                                 "\" as a time\nHINT: use RFC 3339 (2006-01-02T15:04:05Z, with + encoded as %2B), "
                                 "\"2006-01-02 15:04:05\", \"2006-01-02\", or a Unix timestamp of 10 or 13 digits");
}

std::optional<ApiError> ParseListOptions(const QueryParams& params, const ListContext& context, ListOptions* out) {
  return Parser(context, out).Run(params);
}

std::optional<ApiError> ParseNonNegative(const std::string& name, const std::string& value, long long* out) {
  if (ParseInt64(value, out) && *out >= 0) return std::nullopt;
  return ApiError::BadParameter(name, "must be a non-negative integer, got \"" + value + "\"");
}

bool WatchRequested(const QueryParams& params) {
  bool watch = false;
  for (const auto& [key, value] : params) {
    bool b = false;
    if (key == "watch") watch = ParseBool(value, &b) && b;
  }
  return watch;
}

}  // namespace pedia::server
