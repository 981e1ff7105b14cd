// Content negotiation on the Accept header, as kubectl and client-go use it
// (toolchain-notes §6): "application/json;as=Table;v=v1;g=meta.k8s.io,
// application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json".
#ifndef PEDIA_SERVER_ACCEPT_H_
#define PEDIA_SERVER_ACCEPT_H_

#include <string>
#include <string_view>

namespace pedia::server {

struct OutputFormat {
  enum Kind {
    kJson,             // the object or list itself
    kTable,            // meta.k8s.io Table
    kPartialMetadata,  // PartialObjectMetadata[List]
  };
  Kind kind = kJson;
  std::string meta_version = "v1";  // for Table / PartialObjectMetadata: "v1" or "v1beta1"
};

/// The first media range pedia can produce, in the client's order.  false
/// when none is acceptable (the caller answers 406).  An empty header means
/// JSON.  Aggregated discovery (as=APIGroupDiscoveryList) and protobuf are
/// skipped, so clients fall back to their next choice.
bool NegotiateOutput(std::string_view accept, OutputFormat* out);

}  // namespace pedia::server

#endif  // PEDIA_SERVER_ACCEPT_H_
