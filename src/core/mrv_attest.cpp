// Verification and certification of annual statements (core/mrv_statements.h):
// mrv.statement.attest (a verifier approves a submitted revision or sends it back with comments)
// and mrv.statement.certify (the regulator certifies an approved revision, which records the
// certified tonnes in the ETS module through ets::record_certified).
#include "core/ets.h"
#include "core/identity.h"
#include "core/mrv_registry.h"
#include "core/mrv_statements.h"

namespace tanso::mrv_stmt {

namespace {

struct Target {
  std::string company;
  uint32_t year;
  uint64_t revision;
};

Target target_of(const Json& b) {
  return {b["company"].get<std::string>(), static_cast<uint32_t>(*json_u64(b["year"])),
          *json_u64(b["revision"])};
}

Json& latest_entry(Json& head) { return head["revisions"].back(); }

}  // namespace

// mrv.statement.attest {company, year, revision, decision, comments?, evidence_hash?}: decision
// "approve" or "correction"; comments (at most 2,000 bytes) are required for a correction, and
// evidence_hash is the SHA-256 (64 lower-case hex) of the verification report kept off the
// ledger. One attestation per revision, by a verifier of another org than the company's.
Status attest_check(const Json& b) {
  constexpr std::string_view t = "mrv.statement.attest";
  Fields f(b, t);
  if (auto s = f.only({"company", "year", "revision", "decision", "comments", "evidence_hash"}); !s)
    return s;
  if (!b.contains("revision")) return mrv::malformed(t, "revision is required");
  if (auto s = target_fields(b, t); !s) return s;
  if (!b.contains("decision") || (b["decision"] != "approve" && b["decision"] != "correction"))
    return mrv::malformed(t, "decision must be \"approve\" or \"correction\"");
  if (b.contains("comments") && (!b["comments"].is_string() ||
                                 b["comments"].get_ref<const std::string&>().size() > kCommentsMax))
    return mrv::malformed(t, "comments must be a string of at most 2000 bytes");
  if (b["decision"] == "correction") {
    std::string c = b.value("comments", "");
    if (c.find_first_not_of(" \t\r\n") == std::string::npos)
      return mrv::malformed(t, "comments are required to request a correction");
  }
  if (b.contains("evidence_hash") && !lower_hex64(b["evidence_hash"]))
    return mrv::malformed(t, "evidence_hash must be 64 lower-case hex (SHA-256)");
  return ok_status();
}

Status attest_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const Target tg = target_of(b);
  auto head = load_head(env.st, tg.company, tg.year);
  if (!head) return head.error();
  if (auto s = not_certified(*head); !s) return s;
  auto me = load_account(env.st, env.tx.payload.from);
  auto owner = load_account(env.st, tg.company);
  if (me && owner && me->org == owner->org)
    return err("mrv.own_statement", "'" + env.tx.payload.from + "' is of " + tg.company +
                                        "'s own org, which may not attest its statement");
  if (auto s = known_revision(*head, tg.revision); !s) return s;
  if (tg.revision != (*head)["revision"].get<uint64_t>() || (*head)["status"] != "submitted")
    return err("mrv.not_awaiting_attestation",
               "revision " + std::to_string(tg.revision) + " does not await attestation (latest " +
                   std::to_string((*head)["revision"].get<uint64_t>()) + ", status " +
                   (*head)["status"].get<std::string>() + ")",
               409);
  const bool approve = b["decision"] == "approve";
  latest_entry(*head)["attestation"] = {
      {"decision", b["decision"]},
      {"comments", b.value("comments", "")},
      {"evidence_hash", b.contains("evidence_hash") ? b["evidence_hash"] : Json(nullptr)},
      {"by", env.tx.payload.from},
      {"org", me ? me->org : std::string()},
      {"height", env.height},
      {"time_ms", env.time_ms}};
  (*head)["status"] = approve ? "approved" : "correction_requested";
  env.st.put(head_key(tg.company, tg.year), head->dump());
  set_pending(env.st, tg.company, tg.year, false);
  env.touch(tg.company);
  return ok_status();
}

// mrv.statement.certify {company, year, revision}: the regulator certifies the latest revision
// once a verifier approved it. The certified tonnes (certified_tonnes of the revision's total,
// frozen in its content) replace any figure ets.emissions.certify recorded for the year (kept as
// replaced_tco2e); the ETS rules of that path apply (ets.unknown_year, ets.not_designated,
// ets.already_settled). The statement is final afterwards.
Status certify_check(const Json& b) {
  constexpr std::string_view t = "mrv.statement.certify";
  if (auto s = Fields(b, t).only({"company", "year", "revision"}); !s) return s;
  if (!b.contains("revision")) return mrv::malformed(t, "revision is required");
  return target_fields(b, t);
}

Status certify_apply(TxEnv& env) {
  const Tx& tx = env.tx;
  const Target tg = target_of(tx.payload.body);
  auto head = load_head(env.st, tg.company, tg.year);
  if (!head) return head.error();
  if (auto s = not_certified(*head); !s) return s;
  if (auto s = known_revision(*head, tg.revision); !s) return s;
  if (tg.revision != (*head)["revision"].get<uint64_t>() || (*head)["status"] != "approved")
    return err("mrv.statement_not_approved",
               "revision " + std::to_string(tg.revision) +
                   " is not the latest revision approved by a verifier (latest " +
                   std::to_string((*head)["revision"].get<uint64_t>()) + ", status " +
                   (*head)["status"].get<std::string>() + ")",
               409);
  const Json& entry = latest_entry(*head);
  const uint64_t tco2e = *json_u64(entry["certified_tco2e"]);
  auto replaced = ets::record_certified(env, tg.company, tg.year, tco2e, tg.revision);
  if (!replaced) return replaced.error();
  (*head)["status"] = "certified";
  (*head)["certification"] = {
      {"revision", tg.revision},
      {"tco2e", u64_text(tco2e)},
      {"total_co2e_g", entry["total_co2e_g"]},
      {"by", tx.payload.from},
      {"height", env.height},
      {"time_ms", env.time_ms},
      {"replaced_tco2e", *replaced ? Json(u64_text(**replaced)) : Json(nullptr)}};
  env.st.put(head_key(tg.company, tg.year), head->dump());
  env.touch(tg.company);
  return ok_status();
}

}  // namespace tanso::mrv_stmt
