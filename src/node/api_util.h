// Small helpers every API handler file uses: JSON answers and error answers with stable codes.
#pragma once

#include "core/status.h"
#include "core/tx.h"
#include "http/server.h"

namespace tanso {

inline http::Response json_response(const Json& j, int status = 200) {
  http::Response r;
  r.status = status;
  r.body = j.dump();
  return r;
}

inline http::Response error_answer(const Error& e) {
  return http::error_response(e.http, e.code, e.message);
}

// 403 auth.forbidden for a read of `what`, naming who may read it.
inline http::Response forbidden_answer(std::string_view what, std::string_view readers) {
  return error_answer(err("auth.forbidden",
                          std::string(what) + " is visible to " + std::string(readers) +
                              "; sign the read (docs/API.md)",
                          403));
}

}  // namespace tanso
