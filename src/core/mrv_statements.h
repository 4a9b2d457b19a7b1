// The end of the MRV chain (docs/MRV.md "Statements, verification and certification"): a
// company freezes its annual statement draft (core/mrv_registry.h, built from its daily batches)
// into a submitted revision, an accredited verifier approves it or requests a correction with
// comments, and the regulator certifies an approved revision, which records the certified
// emissions in the ETS module (ets::record_certified, the code path of ets.emissions.certify).
// Pure and deterministic: no I/O, no clock (the block's time is the only time), integers only.
// Files: mrv_statements.cpp (content, hash, submit, handler table), mrv_attest.cpp (attest,
// certify), mrv_statement_views.cpp (views).
//
// Transactions (who may send them: core/executor.cpp default_permissions):
//   mrv.statement.submit {company, year, revision?, adjustments?: [{installation, source,
//                         co2e_g, reason, evidence_hash}], comment?}
//       the company (any account of its org)
//   mrv.statement.attest {company, year, revision, decision: "approve"|"correction",
//                         comments?, evidence_hash?}
//       a verifier of another org (comments required for a correction)
//   mrv.statement.certify {company, year, revision}        the regulator
//
// Life of a company's statement for a year (status in the head record):
//   (none) --submit--> submitted --attest approve--> approved --certify--> certified (final)
//   submitted --attest correction--> correction_requested --submit--> submitted (revision + 1)
//   approved --submit--> submitted (a new revision supersedes the approved one)
//   submitted --submit--> refused (mrv.statement_pending: one revision under review at a time)
//
// Key space (grams of CO2e as decimal strings; <y> a 4-digit year):
//   mrv/stmt/<company>/<y>           head: {company, year, status, revision (the latest),
//                                    revisions: [{revision, hash, total_co2e_g, certified_tco2e,
//                                    submitted_by, height, time_ms, attestation: null |
//                                    {decision, comments, evidence_hash|null, by, org, height,
//                                    time_ms}}], certification: null | {revision, tco2e,
//                                    total_co2e_g, by, height, time_ms, replaced_tco2e|null}}
//   mrv/stmt_rev/<company>/<y>/<n>   revision n: {revision, hash, content, comment,
//                                    submitted_by, height, time_ms}
//   mrv/stmt_pending                 JSON array of "<company>/<y>" awaiting attestation (sorted)
//   ets/cert_src/<y>/<company>       written by certification (core/ets.h)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/module.h"
#include "core/state.h"

namespace tanso {

// mrv.statement.submit, mrv.statement.attest, mrv.statement.certify.
std::span<const TxHandler> mrv_statement_handlers();

// Grams of CO2e -> the whole tonnes the regulator certifies: rounded half up (500,000 g and
// above round up). See docs/MRV.md for why.
uint64_t certified_tonnes(uint64_t grams);

// The canonical content of a statement (hashed and frozen by mrv.statement.submit): the draft's
// rows with the adjustments applied, and the totals recomputed from them:
// {company, year, rows, by_scope, by_fuel, measured_total_co2e_g, total_co2e_g, total_co2e_t,
//  certified_tco2e}. `adjustments` is the submit body's list (or null). Errors: mrv.no_data
// (no row), mrv.unknown_row (an adjustment of a row the draft lacks), mrv.calc_overflow.
Result<Json> statement_content(const StateReader& st, std::string_view company, uint32_t year,
                               const Json& adjustments);
// SHA-256 hex of "tanso/mrv/statement/v1" 0x00 content.dump() (keys sorted, no spaces).
std::string statement_hash(const Json& content);

// ---- views (mrv_statement_views.cpp): read-only JSON for the API ----

// The head record with every revision's content and comment merged into its entry, plus
// ets_certified_tco2e (the figure the ETS module holds now, or null). Errors: tx.malformed (bad
// year), mrv.unknown_statement (404: nothing submitted for the company and year).
Result<Json> mrv_statement(const StateReader& st, std::string_view company, uint32_t year);
// The verifiers' queue: {statements: [{company, year, revision, hash, total_co2e_g,
// certified_tco2e, submitted_by, height, time_ms, corrections}]} in (company, year) order, every
// statement whose latest revision awaits attestation; `corrections` counts the earlier revisions
// sent back for correction.
Json mrv_statements_pending(const StateReader& st);

// ---- internals shared by the statement files ----
namespace mrv_stmt {

inline constexpr uint64_t kRevisionsMax = 100;
inline constexpr size_t kAdjustmentsMax = 256;
inline constexpr size_t kCommentsMax = 2000;  // bytes of UTF-8 (about 660 Hangul syllables)

std::string head_key(std::string_view company, uint32_t year);
std::string rev_key(std::string_view company, uint32_t year, uint64_t revision);
inline constexpr std::string_view kPendingKey = "mrv/stmt_pending";
// Adds or removes "<company>/<year>" in the pending index.
void set_pending(Overlay& st, std::string_view company, uint32_t year, bool pending);
bool lower_hex64(const Json& v);
// The company/year/revision fields shared by attest and certify bodies.
Status target_fields(const Json& b, std::string_view type);
// The head, or mrv.unknown_statement (404).
Result<Json> load_head(const StateReader& st, std::string_view company, uint32_t year);
// mrv.statement_certified when the head is final.
Status not_certified(const Json& head);
// mrv.unknown_revision (404) unless 1 <= revision <= the latest.
Status known_revision(const Json& head, uint64_t revision);

Status submit_check(const Json& b);
Status submit_apply(TxEnv& env);
Status attest_check(const Json& b);
Status attest_apply(TxEnv& env);
Status certify_check(const Json& b);
Status certify_apply(TxEnv& env);

}  // namespace mrv_stmt
}  // namespace tanso
