// Private data (issue 6, docs/PRIVATE_DATA.md): a document or a short field kept off the ledger,
// only at the nodes of the organizations authorized to hold it, with its commitment on the
// ledger so that anyone can check a disclosed copy.
//
//   private.commit {hash, scheme?, orgs?, kind, ref?}
//     hash    64 lower-case hex: the commitment (below)
//     scheme  "sha256" (default): hash = SHA-256 of the document's exact bytes (sha256sum);
//             "salted-sha256": hash = SHA-256("tanso/private/salted/v1" 0x00 salt value), with
//             salt 32 random bytes kept with the value, for short fields whose plain hash could
//             be found by trying every value (an amount, a name)
//     orgs    other organizations authorized to hold and read it (at most 32, no duplicates)
//     kind    an identifier labelling what it is (e.g. "mrv.evidence") — public
//     ref     optional text naming the on-ledger record it belongs to — public
//
// The commitment's id is the tx id of its private.commit. The authorized organizations are the
// listed ones, the sender's organization (always) and the regulator's (DOMAIN.md: the regulator
// sees everything; private_may_hold checks its role, so it is never written in the list).
// Errors: tx.malformed / tx.unknown_field (shape), private.unknown_org (a listed org is not
// registered).
//
// Key space:
//   priv/<tx id hex>   {"hash","scheme","orgs":[sorted, the sender's included],"kind","ref"?,
//                       "from","height"}
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/module.h"

namespace tanso {

inline constexpr std::string_view kPrivatePlain = "sha256";
inline constexpr std::string_view kPrivateSalted = "salted-sha256";
inline constexpr std::string_view kPrivateSaltDomain = "tanso/private/salted/v1";
inline constexpr size_t kPrivateSaltBytes = 32;

namespace limits {
// Organizations named in one commitment, and the bytes of one private document a node stores,
// forwards and checks (held in memory while it does). Kept with the module rather than in
// core/limits.h, which every module includes.
inline constexpr size_t private_orgs_max = 32;
inline constexpr size_t private_bytes_max = 4 * 1024 * 1024;
}  // namespace limits

struct PrivateCommitment {
  Hash id{};  // the private.commit tx id
  Hash hash{};
  std::string scheme;             // kPrivatePlain or kPrivateSalted
  std::vector<std::string> orgs;  // sorted, the sender's org included
  std::string kind, ref, from;
  uint64_t height = 0;
  bool salted() const { return scheme == kPrivateSalted; }
  Json to_json() const;  // the public view: id, hash, scheme, orgs, kind, ref?, height
};

std::span<const TxHandler> private_handlers();  // registered in core/module.cpp

std::optional<PrivateCommitment> load_private(const StateReader& st, const Hash& id);

// May organization `org` hold and read it: a listed org, or the regulator's.
bool private_may_hold(const StateReader& st, const PrivateCommitment& c, std::string_view org);

// SHA-256(kPrivateSaltDomain 0x00 salt value).
Hash private_salted_hash(ByteView salt, ByteView value);

// Does a disclosed copy match the commitment? `salt` must be given (kPrivateSaltBytes) exactly
// when the scheme is salted: private.bad_salt otherwise. The hash the copy gives is returned.
Result<Hash> private_copy_hash(std::string_view scheme, ByteView bytes,
                               const std::optional<Bytes>& salt);

}  // namespace tanso
