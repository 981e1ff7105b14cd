#include "server/list_body.h"

#include "base/json_text.h"
#include "server/json_scan.h"

namespace pedia::server {
namespace {

std::string MetaApiVersion(const BodyShape& s) { return "meta.k8s.io/" + s.format.meta_version; }

void AppendPartial(const BodyShape& s, std::string_view metadata, std::string* out) {
  *out += "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"";
  *out += MetaApiVersion(s);
  *out += "\",\"metadata\":";
  out->append(metadata);
  *out += '}';
}

void AppendTableRow(const BodyShape& s, std::string_view object, const storage::Row& row, std::string* out) {
  *out += "{\"cells\":[";
  s.printer->AppendCells(object, row.cluster, s.now_unix, out);
  *out += ']';
  if (s.include_object == "Object") {
    *out += ",\"object\":";
    out->append(object);
  } else if (s.include_object != "None") {
    *out += ",\"object\":";
    std::string_view meta = json::Member(object, "metadata");
    AppendPartial(s, meta.empty() ? std::string_view("{}") : meta, out);
  }
  *out += '}';
}

void AppendItem(const BodyShape& s, const storage::Row& row, std::string* out) {
  switch (s.format.kind) {
    case OutputFormat::kTable:
      AppendTableRow(s, row.object, row, out);
      return;
    case OutputFormat::kPartialMetadata:
      AppendPartial(s, RowMetadata(row), out);
      return;
    case OutputFormat::kJson:
      if (row.metadata_only || s.only_metadata) {
        *out += "{\"apiVersion\":";
        AppendJsonQuoted(*out, s.api_version);
        *out += ",\"kind\":";
        AppendJsonQuoted(*out, s.kind);
        *out += ",\"metadata\":";
        out->append(RowMetadata(row));
        *out += '}';
      } else {
        out->append(row.object);
      }
      return;
  }
}

void AppendListMeta(const storage::ListSummary& summary, bool with_continue, std::string* out) {
  *out += "\"metadata\":{";
  bool first = true;
  auto sep = [&] {
    if (!first) *out += ',';
    first = false;
  };
  if (!summary.resource_version.empty()) {
    sep();
    *out += "\"resourceVersion\":";
    AppendJsonQuoted(*out, summary.resource_version);
  }
  if (with_continue && !summary.continue_token.empty()) {
    sep();
    *out += "\"continue\":";
    AppendJsonQuoted(*out, summary.continue_token);
  }
  if (summary.has_remaining_count) {
    sep();
    *out += "\"remainingItemCount\":";
    *out += std::to_string(summary.remaining_count);
  }
  *out += '}';
}

}  // namespace

std::string_view RowMetadata(const storage::Row& row) {
  if (row.metadata_only) return row.object.empty() ? std::string_view("{}") : row.object;
  std::string_view m = json::Member(row.object, "metadata");
  return m.empty() ? std::string_view("{}") : m;
}

void ListBody::Begin(std::string* out) {
  const BodyShape& s = shape_;
  switch (s.format.kind) {
    case OutputFormat::kTable:
      *out += "{\"kind\":\"Table\",\"apiVersion\":\"" + MetaApiVersion(s) + "\",";
      AppendColumnDefinitions(s.printer->Columns(), out);
      *out += ",\"rows\":[";
      break;
    case OutputFormat::kPartialMetadata:
      *out += "{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"" + MetaApiVersion(s) + "\",\"items\":[";
      break;
    case OutputFormat::kJson:
      *out += "{\"kind\":";
      AppendJsonQuoted(*out, s.kind + "List");
      *out += ",\"apiVersion\":";
      AppendJsonQuoted(*out, s.api_version);
      *out += ",\"items\":[";
      break;
  }
}

void ListBody::Row(const storage::Row& row, std::string* out) {
  if (!first_) *out += ',';
  first_ = false;
  AppendItem(shape_, row, out);
}

void ListBody::End(const storage::ListSummary& summary, bool with_continue, std::string* out) {
  *out += "],";
  AppendListMeta(summary, with_continue, out);
  *out += '}';
}

std::string ObjectBody(const BodyShape& s, const storage::Row& row) {
  std::string out;
  switch (s.format.kind) {
    case OutputFormat::kTable:
      out = "{\"kind\":\"Table\",\"apiVersion\":\"" + MetaApiVersion(s) + "\",\"metadata\":{},";
      AppendColumnDefinitions(s.printer->Columns(), &out);
      out += ",\"rows\":[";
      AppendTableRow(s, row.object, row, &out);
      out += "]}";
      return out;
    case OutputFormat::kPartialMetadata:
      AppendPartial(s, RowMetadata(row), &out);
      return out;
    case OutputFormat::kJson:
      AppendItem(s, row, &out);
      return out;
  }
  return out;
}

std::string WithResourceVersion(std::string_view obj, std::string_view rv) {
  std::string quoted = JsonQuote(rv);
  std::string_view meta = json::Member(obj, "metadata");
  if (meta.empty() || meta.front() != '{') return std::string(obj);
  std::string_view old = json::Member(meta, "resourceVersion");
  std::string out;
  out.reserve(obj.size() + quoted.size() + 24);
  if (!old.empty()) {
    size_t at = static_cast<size_t>(old.data() - obj.data());
    out.append(obj.substr(0, at));
    out += quoted;
    out.append(obj.substr(at + old.size()));
  } else {
    size_t at = static_cast<size_t>(meta.data() - obj.data()) + 1;  // just after '{'
    out.append(obj.substr(0, at));
    out += "\"resourceVersion\":" + quoted;
    if (json::Count(meta) > 0) out += ',';
    out.append(obj.substr(at));
  }
  return out;
}

std::string WatchFrame(const BodyShape& s, pedia_storage_event_type type, const storage::Row& row) {
  const char* name = type == PEDIA_STORAGE_EVENT_ADDED      ? "ADDED"
                     : type == PEDIA_STORAGE_EVENT_MODIFIED ? "MODIFIED"
                     : type == PEDIA_STORAGE_EVENT_DELETED  ? "DELETED"
                                                            : "BOOKMARK";
  std::string out = "{\"type\":\"";
  out += name;
  out += "\",\"object\":";
  std::string rv_json = JsonQuote(row.resource_version);
  if (type == PEDIA_STORAGE_EVENT_BOOKMARK) {
    if (s.format.kind == OutputFormat::kTable) {
      out += "{\"kind\":\"Table\",\"apiVersion\":\"" + MetaApiVersion(s) +
             "\",\"metadata\":{\"resourceVersion\":" + rv_json + "},\"columnDefinitions\":[],\"rows\":[]}";
    } else {
      out += "{\"kind\":";
      AppendJsonQuoted(out, s.kind);
      out += ",\"apiVersion\":";
      AppendJsonQuoted(out, s.api_version);
      out += ",\"metadata\":{\"resourceVersion\":" + rv_json + "}}";
    }
    out += "}\n";
    return out;
  }
  std::string object = WithResourceVersion(row.object, row.resource_version);
  storage::Row rewritten = row;
  rewritten.object = object;
  rewritten.metadata_only = false;
  if (s.format.kind == OutputFormat::kTable) {
    out += "{\"kind\":\"Table\",\"apiVersion\":\"" + MetaApiVersion(s) +
           "\",\"metadata\":{\"resourceVersion\":" + rv_json + "},";
    AppendColumnDefinitions(s.printer->Columns(), &out);
    out += ",\"rows\":[";
    AppendTableRow(s, object, rewritten, &out);
    out += "]}";
  } else {
    AppendItem(s, rewritten, &out);
  }
  out += "}\n";
  return out;
}

std::string WatchErrorFrame(std::string_view status_json) {
  std::string out = "{\"type\":\"ERROR\",\"object\":";
  out.append(status_json);
  out += "}\n";
  return out;
}

}  // namespace pedia::server
