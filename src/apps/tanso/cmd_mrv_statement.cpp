// tanso mrv statement draft|submit|attest|certify|show and tanso mrv statements pending: a
// company's annual emission statement from the draft to its certification (docs/MRV.md
// "Statements, verification and certification", docs/CLI.md).
//
// `tanso mrv statement [company] --year Y` without a subcommand is the old spelling of
// `statement draft` (before statements could be submitted, `statement` read the draft); it is
// kept so scripts keep working.
#include <iostream>

#include "cli.h"
#include "cmd_common.h"
#include "ets/csv.h"

namespace tanso::cli {

namespace {

const char* kWho = " (the company's, its edge's, an officer's or a verifier's)";

void need_year(uint32_t y) {
  if (y < 2000 || y > 2200) fail(kUsage, "--year must be a year from 2000 to 2200");
}

// A body from --file (a JSON object), or an empty object.
Json body_from_file(const std::string& file) {
  if (file.empty()) return Json::object();
  Json j = parse_json_or_fail(read_text(file), file);
  if (!j.is_object()) fail(kUsage, file + ": expected a JSON object (the tx body)");
  return j;
}

bool hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// --adjust INSTALLATION/SOURCE=CO2E_G:REASON:EVIDENCE_HASH (the reason may contain colons; the
// hash is the last field).
Json adjustment_of(const std::string& spec) {
  const std::string usage =
      "--adjust takes INSTALLATION/SOURCE=CO2E_G:REASON:EVIDENCE_HASH (grams, a reason, the "
      "SHA-256 of the evidence), not '" +
      spec + "'";
  auto slash = spec.find('/'), eq = spec.find('=');
  if (slash == std::string::npos || eq == std::string::npos || slash == 0 || eq < slash + 2)
    fail(kUsage, usage);
  std::string rest = spec.substr(eq + 1);
  auto c1 = rest.find(':'), c2 = rest.rfind(':');
  if (c1 == std::string::npos || c2 == c1) fail(kUsage, usage);
  auto grams = ets::parse_quantity(rest.substr(0, c1), 0);
  std::string reason = rest.substr(c1 + 1, c2 - c1 - 1), hash = rest.substr(c2 + 1);
  if (!grams) fail(kUsage, usage + ": CO2E_G must be whole grams");
  if (reason.empty()) fail(kUsage, usage + ": the reason must not be empty");
  if (!hex64(hash)) fail(kUsage, usage + ": EVIDENCE_HASH must be 64 lower-case hex (SHA-256)");
  return {{"installation", spec.substr(0, slash)},
          {"source", spec.substr(slash + 1, eq - slash - 1)},
          {"co2e_g", std::to_string(*grams)},
          {"reason", reason},
          {"evidence_hash", hash}};
}

// Grams (a decimal string) as tonnes with 6 decimals.
std::string tonnes(const Json& grams) {
  std::string g = cell(grams);
  if (g == "-" || g.find_first_not_of("0123456789") != std::string::npos) return g;
  if (g.size() <= 6) g = std::string(7 - g.size(), '0') + g;
  return g.substr(0, g.size() - 6) + "." + g.substr(g.size() - 6);
}

// "  name" padded to the column of the revision lines' values.
std::string label(const std::string& name) {
  return "  " + name + std::string(name.size() < 12 ? 12 - name.size() : 1, ' ');
}

std::string at(const Json& j) { return "height " + cell(j.value("height", Json())); }

// Indented lines of a free text (comments may span lines).
void print_text(const std::string& label, const Json& text) {
  std::string t = text.is_string() ? text.get<std::string>() : "";
  if (t.empty()) return;
  std::cout << "  " << label << ":\n";
  size_t from = 0;
  while (from <= t.size()) {
    size_t nl = t.find('\n', from);
    if (nl == std::string::npos) nl = t.size();
    std::cout << "    " << t.substr(from, nl - from) << "\n";
    from = nl + 1;
  }
}

// The human view of GET /v1/mrv/companies/{company}/statements/{year}.
void print_statement(Json j) {  // by value: operator[] on a missing key gives null
  std::cout << "statement    " << cell(j["company"]) << " " << cell(j["year"]) << "\n"
            << "status       " << cell(j["status"]) << " (latest revision " << cell(j["revision"])
            << ")\n"
            << "ETS figure   "
            << (j["ets_certified_tco2e"].is_null() ? std::string("- (not certified)")
                                                   : cell(j["ets_certified_tco2e"]) + " t")
            << "\n";
  for (Json r : j.value("revisions", Json::array())) {
    Json content = r.value("content", Json::object());
    std::cout << "\nrevision " << cell(r["revision"]) << "  submitted by "
              << cell(r["submitted_by"]) << " at " << at(r) << "\n"
              << label("hash") << cell(r["hash"]) << "\n"
              << label("total") << tonnes(r["total_co2e_g"]) << " t (" << cell(r["total_co2e_g"])
              << " g); certifiable " << cell(r["certified_tco2e"]) << " t\n";
    if (content.contains("measured_total_co2e_g") &&
        content["measured_total_co2e_g"] != r["total_co2e_g"])
      std::cout << label("measured") << tonnes(content["measured_total_co2e_g"])
                << " t before adjustments\n";
    for (Json row : content.value("rows", Json::array()))
      if (row.contains("adjustment"))
        std::cout << label("adjusted") << cell(row["installation"]) << "/" << cell(row["source"])
                  << ": " << tonnes(row["measured_co2e_g"]) << " t -> " << tonnes(row["co2e_g"])
                  << " t (" << cell(row["adjustment"]["reason"]) << "; evidence "
                  << cell(row["adjustment"]["evidence_hash"]) << ")\n";
    print_text("comment", r.value("comment", Json()));
    Json a = r["attestation"];
    if (!a.is_object()) {
      std::cout << label("attestation") << "-\n";
      continue;
    }
    std::cout << label("attestation") << cell(a["decision"]) << " by " << cell(a["by"]) << " ("
              << cell(a["org"]) << ") at " << at(a) << "\n";
    if (!a["evidence_hash"].is_null())
      std::cout << label("report") << cell(a["evidence_hash"]) << "\n";
    print_text("comments", a.value("comments", Json()));
  }
  Json c = j["certification"];
  std::cout << "\ncertification  ";
  if (!c.is_object()) {
    std::cout << "-\n";
    return;
  }
  std::cout << "revision " << cell(c["revision"]) << ": " << cell(c["tco2e"]) << " t ("
            << cell(c["total_co2e_g"]) << " g) by " << cell(c["by"]) << " at " << at(c);
  if (!c["replaced_tco2e"].is_null())
    std::cout << "; replaced " << cell(c["replaced_tco2e"]) << " t";
  std::cout << "\n";
}

}  // namespace

void add_mrv_statements(CLI::App* mrv) {
  const char* co = "a company account (or the company's edge)";

  // ---- statement: the group, and the old spelling of `statement draft` ----
  static ReadOpts old_r;
  static std::string old_co;
  static uint32_t old_year = 0;
  CLI::App* st = mrv->add_subcommand(
      "statement",
      "A company's annual emission statement: draft (computed from the batches), submit "
      "(company), attest (verifier), certify (regulator), show. Without a subcommand: the "
      "draft, as `statement draft` (old spelling)");
  st->add_option("company", old_co, "(old spelling) Company account, as in statement draft");
  st->add_option("--year", old_year, "(old spelling) Year, as in statement draft");
  add_read_options(st, old_r, kWho);

  static ReadOpts dr_r;
  static std::string dr_co;
  static uint32_t dr_year = 0;
  auto* dr = st->add_subcommand(
      "draft",
      "The statement draft: rows per installation and source, totals by scope and fuel, "
      "computed now from the year's batches (GET /v1/mrv/companies/{company}/statement-draft)");
  dr->add_option("company", dr_co, "Company account (default: the key file's company)");
  dr->add_option("--year", dr_year, "Year")->required();
  add_read_options(dr, dr_r, kWho);
  auto draft = [](const std::string& company, uint32_t year, const ReadOpts& r) {
    need_year(year);
    Json j = get_view("/v1/mrv/companies/" + company_or_key(company, r.key) +
                          "/statement-draft?year=" + std::to_string(year),
                      r);
    if (r.json) return print_json(j);
    print_rows(j.value("rows", Json::array()),
               {"installation", "source", "scope", "fuel", "co2e_g", "days", "readings", "gaps"});
    std::cout << "\n";
    Json head = j;
    head.erase("rows");
    print_fields(head);
  };
  dr->callback([draft] { draft(dr_co, dr_year, dr_r); });
  st->callback([st, draft] {
    if (!st->get_subcommands().empty()) return;
    if (old_year == 0)
      fail(kUsage,
           "mrv statement needs a subcommand (draft, submit, attest, certify, show); see "
           "tanso mrv statement --help");
    draft(old_co, old_year, old_r);
  });

  // ---- statement submit ----
  static TxOpts sb_o;
  static std::string sb_file, sb_co, sb_comment;
  static uint32_t sb_year = 0;
  static uint64_t sb_rev = 0;
  static std::vector<std::string> sb_adjust;
  auto* sb = st->add_subcommand(
      "submit",
      "Company: freeze the year's draft, with documented adjustments, as the next revision of "
      "its statement for a verifier to attest; only once the year is over "
      "(mrv.statement.submit)");
  sb->add_option("--file", sb_file,
                 "JSON body {company, year, revision?, adjustments?: [{installation, source, "
                 "co2e_g, reason, evidence_hash}], comment?}; flags set or replace its fields");
  sb->add_option("--company", sb_co, "Company account (default: the key file's company)");
  sb->add_option("--year", sb_year, "Year of the statement");
  sb->add_option("--revision", sb_rev,
                 "The revision number this submission must get (the latest + 1): refused "
                 "(mrv.statement_revision_mismatch) if another submission came first");
  sb->add_option("--adjust", sb_adjust,
                 "Replace one draft row's CO2e: INSTALLATION/SOURCE=CO2E_G:REASON:EVIDENCE_HASH "
                 "(whole grams, a reason of 1-256 bytes, the SHA-256 hex of the evidence kept off "
                 "the ledger); repeat for each row. Every revision states its adjustments in full")
      ->allow_extra_args(false);
  sb->add_option("--comment", sb_comment, "An answer to the verifier (at most 2,000 bytes)");
  add_tx_options(sb, sb_o, co);
  sb->callback([] {
    Json b = body_from_file(sb_file);
    if (!sb_co.empty() || !b.contains("company"))
      b["company"] = company_or_key(sb_co, sb_o.keys.front());
    if (sb_year) b["year"] = sb_year;
    if (!b.contains("year")) fail(kUsage, "statement submit needs --year (or year in --file)");
    if (b["year"].is_number_unsigned()) need_year(b["year"].get<uint32_t>());
    if (sb_rev) b["revision"] = sb_rev;
    if (!sb_adjust.empty()) {
      b["adjustments"] = Json::array();
      for (const auto& a : sb_adjust) b["adjustments"].push_back(adjustment_of(a));
    }
    if (!sb_comment.empty()) b["comment"] = sb_comment;
    send_tx(sb_o, "mrv.statement.submit", b);
  });

  // ---- statement attest ----
  static TxOpts at_o;
  static std::string at_co, at_comments, at_evidence;
  static uint32_t at_year = 0;
  static uint64_t at_rev = 0;
  static bool at_approve = false, at_correction = false;
  auto* att = st->add_subcommand(
      "attest",
      "Verifier (never of the company's org): approve the submitted revision, or send it back "
      "with comments for a correction (mrv.statement.attest)");
  att->add_option("--company", at_co, "Company account")->required();
  att->add_option("--year", at_year, "Year of the statement")->required();
  att->add_option("--revision", at_rev, "The submitted revision (tanso mrv statements pending)")
      ->required();
  auto* ap = att->add_flag("--approve", at_approve, "Approve the revision");
  auto* cr = att->add_flag("--correction", at_correction,
                           "Request a correction (needs --comments): the company resubmits");
  ap->excludes(cr);
  att->add_option("--comments", at_comments,
                  "The verifier's comments (at most 2,000 bytes; required with --correction)");
  att->add_option("--evidence", at_evidence,
                  "SHA-256 hex of the verification report kept off the ledger");
  add_tx_options(att, at_o, "the verifier");
  att->callback([] {
    need_year(at_year);
    if (!at_approve && !at_correction)
      fail(kUsage, "statement attest needs --approve or --correction");
    if (at_correction && at_comments.find_first_not_of(" \t\r\n") == std::string::npos)
      fail(kUsage, "--correction needs --comments (what the company must correct)");
    if (!at_evidence.empty() && !hex64(at_evidence))
      fail(kUsage, "--evidence must be 64 lower-case hex (SHA-256)");
    Json b = {{"company", at_co},
              {"year", at_year},
              {"revision", at_rev},
              {"decision", at_approve ? "approve" : "correction"}};
    if (!at_comments.empty()) b["comments"] = at_comments;
    if (!at_evidence.empty()) b["evidence_hash"] = at_evidence;
    send_tx(at_o, "mrv.statement.attest", b);
  });

  // ---- statement certify ----
  static TxOpts ce_o;
  static std::string ce_co;
  static uint32_t ce_year = 0;
  static uint64_t ce_rev = 0;
  auto* ce = st->add_subcommand(
      "certify",
      "Regulator: certify the approved revision; its whole tonnes (half up) become the "
      "company's certified emissions in the ETS, as ets.emissions.certify records them, and "
      "the statement is final (mrv.statement.certify)");
  ce->add_option("--company", ce_co, "Company account")->required();
  ce->add_option("--year", ce_year, "Year of the statement")->required();
  ce->add_option("--revision", ce_rev, "The approved revision")->required();
  add_tx_options(ce, ce_o, "the regulator's officer");
  ce->callback([] {
    need_year(ce_year);
    send_tx(ce_o, "mrv.statement.certify",
            {{"company", ce_co}, {"year", ce_year}, {"revision", ce_rev}});
  });

  // ---- statement show ----
  static ReadOpts sh_r;
  static std::string sh_co;
  static uint32_t sh_year = 0;
  auto* sh = st->add_subcommand(
      "show",
      "A submitted statement: every revision (hash, totals, adjustments, comment), its "
      "attestation with the verifier's comments, the certification and the ETS figure (GET "
      "/v1/mrv/companies/{company}/statements/{year})");
  sh->add_option("--company", sh_co, "Company account (default: the key file's company)");
  sh->add_option("--year", sh_year, "Year")->required();
  add_read_options(sh, sh_r, kWho);
  sh->callback([] {
    need_year(sh_year);
    Json j = get_view("/v1/mrv/companies/" + company_or_key(sh_co, sh_r.key) + "/statements/" +
                          std::to_string(sh_year),
                      sh_r);
    if (sh_r.json) return print_json(j);
    print_statement(j);
  });

  // ---- statements pending ----
  CLI::App* sts = mrv->add_subcommand("statements", "Statements of every company: pending");
  sts->require_subcommand(1);
  static ReadOpts pe_r;
  auto* pe = sts->add_subcommand(
      "pending",
      "The verifiers' queue: every statement whose latest revision awaits attestation (GET "
      "/v1/mrv/statements/pending; regulator and verifiers only)");
  add_read_options(pe, pe_r, " (a verifier's or an officer's)");
  pe->callback([] {
    Json j = get_view("/v1/mrv/statements/pending", pe_r);
    if (pe_r.json) return print_json(j);
    Json rows = Json::array();
    for (Json s : j.value("statements", Json::array())) {
      s["total_t"] = tonnes(s["total_co2e_g"]);
      rows.push_back(s);
    }
    print_rows(rows, {"company", "year", "revision", "total_t", "certified_tco2e", "corrections",
                      "submitted_by", "height", "hash"});
  });
}

}  // namespace tanso::cli
