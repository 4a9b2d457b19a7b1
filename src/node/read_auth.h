// Signed reads (docs/API.md "Reading restricted data"): who is asking, and may they see an
// account's private data. Company-specific data is readable by the same organization's
// accounts and by the regulator.
#pragma once

#include <optional>
#include <string>

#include "core/state.h"
#include "core/status.h"
#include "http/server.h"

namespace tanso {

struct Reader {
  std::string account;
  std::string org;
  std::string role;
};

inline constexpr std::string_view kReadDomain = "tanso/read/v1";

// The bytes a signed request covers: domain 0x00 chain 0x00 METHOD 0x00 target 0x00 time (signed
// reads use kReadDomain; a node's requests, node/node_auth.h, their own domain).
Bytes signed_request_message(std::string_view domain, std::string_view chain,
                             std::string_view method, std::string_view target,
                             std::string_view time_s);
// The bytes a reader signs.
Bytes read_message(std::string_view chain, std::string_view method, std::string_view target,
                   std::string_view time_s);

// nullopt when the request carries no X-Tanso-* headers (an anonymous reader); an error when
// it carries them but they do not authenticate.
Result<std::optional<Reader>> authenticate_read(const http::Request& req, const StateReader& st,
                                                std::string_view chain, int64_t now_s);

// May `reader` see private data of `account`?
bool may_read_account(const std::optional<Reader>& reader, const StateReader& st,
                      std::string_view account);

}  // namespace tanso
