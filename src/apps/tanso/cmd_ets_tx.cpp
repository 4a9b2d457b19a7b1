// tanso ets plan | designate | undesignate | allocate | issue-kcu | certify | price | settle
// (the regulator), surrender | bank | borrow | project (a covered company), and the reports
// params | totals | compliance | companies | company | position (GET /v1/ets/...).
//
// Each tx command builds the body of one ets.* tx (core/ets.h has the rules), then signs and
// submits it like `tanso tx send` (nonce, chain and expiry from the node) and waits for its block.
// --out writes the signed envelope instead of submitting it: the two-step multi-signature flow
// of `allocate` (officer 1 signs to a file, officer 2 adds a signature with --envelope and
// submits) uses it. Exit codes as everywhere (cli.h).
#include <fstream>
#include <iostream>
#include <set>

#include "cli.h"
#include "cmd_common.h"
#include "core/crypto.h"
#include "ets/csv.h"

namespace tanso::cli {

namespace {

// A quantity: digits, thousands separators allowed ("1,000,000"); at least `min`.
std::string qty(const std::string& text, const std::string& what, uint64_t min = 1) {
  auto v = ets::parse_quantity(text, 0);
  if (!v || *v < min)
    fail(kUsage, what + " must be a whole number" + (min ? " >= " + std::to_string(min) : "") +
                     " (thousands separators allowed), not '" + text + "'");
  return std::to_string(*v);
}

void need_year(uint32_t y) {
  if (y < 2000 || y > 2200) fail(kUsage, "--year must be a compliance year (2000-2200)");
}

// Adds the signatures of `key_files` to a signed envelope (same payload, same tx id).
std::string add_signatures(const std::string& envelope, const std::vector<std::string>& key_files,
                           std::string* type) {
  Json env = parse_json_or_fail(envelope, "the envelope");
  if (!env.is_object() || !env.contains("payload") || !env["payload"].is_string() ||
      !env.contains("signatures") || !env["signatures"].is_array())
    fail(kUsage, "not a tx envelope ({\"payload\": \"...\", \"signatures\": [...]})");
  const std::string payload = env["payload"].get<std::string>();
  Json p = parse_json_or_fail(payload, "the envelope's payload");
  if (!p.is_object() || !p.contains("chain") || !p["chain"].is_string())
    fail(kUsage, "the envelope's payload has no chain");
  *type = p.value("type", "");
  Bytes msg = signing_message(p["chain"].get<std::string>(), payload);
  std::set<std::string> have;
  for (const auto& s : env["signatures"])
    if (s.is_object() && s.contains("key") && s["key"].is_string())
      have.insert(s["key"].get<std::string>());
  for (const auto& f : key_files) {
    KeyFile k = load_key(f);
    std::string pub = key_to_text(k.key.pub);
    if (!have.insert(pub).second) fail(kUsage, f + ": this key has already signed the envelope");
    Signature s = sign(k.key.secret, msg);
    env["signatures"].push_back({{"key", pub}, {"sig", to_hex(ByteView(s.data(), s.size()))}});
  }
  return env.dump();
}

}  // namespace

void add_ets_registry(CLI::App& app) {
  CLI::App* ets = ets_group(app);
  const char* reg = "the regulator's officer";
  const char* co = "the company";

  // ---- regulator ----
  static TxOpts plan_o;
  static uint32_t plan_year = 0;
  static std::string plan_cap, plan_auction;
  auto* plan = ets->add_subcommand(
      "plan", "Regulator: set (or revise) a compliance year's allocation plan (ets.plan.set)");
  plan->add_option("--year", plan_year, "Compliance year")->required();
  plan->add_option("--cap", plan_cap, "Cap: every KAU of the year, t (e.g. 6,000,000)")->required();
  plan->add_option("--auction", plan_auction, "Part of the cap reserved for auction, t");
  add_tx_options(plan, plan_o, reg);
  plan->callback([] {
    need_year(plan_year);
    Json b = {{"year", plan_year}, {"cap", qty(plan_cap, "--cap")}};
    if (!plan_auction.empty()) b["auction"] = qty(plan_auction, "--auction", 0);
    send_tx(plan_o, "ets.plan.set", b);
  });

  static TxOpts des_o;
  static std::string des_file, des_company, des_name, des_sector, des_annual;
  static uint32_t des_from = 0, des_to = 0;
  static std::vector<std::string> des_inst;
  auto* des = ets->add_subcommand(
      "designate",
      "Regulator: designate a covered company and its installations (ets.designate), from flags "
      "or a JSON file (one body, or a list: one tx each)");
  des->add_option("--file", des_file,
                  "JSON body {company, name, sector, from_year, to_year?, installations: [{id, "
                  "name, annual_tco2e?}], annual_tco2e?}, or a list of them");
  des->add_option("--company", des_company, "Company account");
  des->add_option("--name", des_name, "Company name");
  des->add_option("--sector", des_sector, "Sector (e.g. steel)");
  des->add_option("--from-year", des_from, "First compliance year covered");
  des->add_option("--to-year", des_to, "Last compliance year covered (default: open-ended)");
  des->add_option("--installation", des_inst,
                  "An installation ID:NAME[:ANNUAL_TCO2E] (repeat for each)")
      ->allow_extra_args(false);
  des->add_option("--annual", des_annual, "The company's annual emissions, tCO2e (guidance)");
  add_tx_options(des, des_o, reg);
  des->callback([] {
    std::vector<Json> bodies;
    if (!des_file.empty()) {
      if (!des_company.empty() || !des_name.empty() || !des_inst.empty() || des_from)
        fail(kUsage, "--file or the --company/--name/... flags, not both");
      Json j = parse_json_or_fail(read_text(des_file), des_file);
      if (j.is_object() && j.contains("designations")) j = j["designations"];
      if (j.is_object()) bodies.push_back(j);
      if (j.is_array())
        for (const auto& b : j) bodies.push_back(b);
      if (bodies.empty())
        fail(kUsage, des_file + ": expected a designation object or a non-empty list of them");
      for (const auto& b : bodies)
        if (!b.is_object()) fail(kUsage, des_file + ": every designation is a JSON object");
    } else {
      if (des_company.empty() || des_name.empty() || des_sector.empty() || !des_from)
        fail(kUsage, "designate needs --file, or --company, --name, --sector and --from-year");
      need_year(des_from);
      Json b = {{"company", des_company},
                {"name", des_name},
                {"sector", des_sector},
                {"from_year", des_from},
                {"installations", Json::array()}};
      if (des_to) b["to_year"] = des_to;
      if (!des_annual.empty()) b["annual_tco2e"] = qty(des_annual, "--annual", 0);
      for (const auto& spec : des_inst) {
        auto c1 = spec.find(':');
        if (c1 == std::string::npos || c1 == 0 || c1 + 1 == spec.size())
          fail(kUsage, "--installation takes ID:NAME[:ANNUAL_TCO2E], not '" + spec + "'");
        auto c2 = spec.find(':', c1 + 1);
        Json in = {{"id", spec.substr(0, c1)},
                   {"name", spec.substr(c1 + 1, c2 == std::string::npos ? c2 : c2 - c1 - 1)}};
        if (c2 != std::string::npos)
          in["annual_tco2e"] = qty(spec.substr(c2 + 1), "the installation's annual tCO2e", 0);
        b["installations"].push_back(in);
      }
      bodies.push_back(b);
    }
    if (bodies.size() > 1 && !des_o.out.empty())
      fail(kUsage, "--out writes one envelope; the file has " + std::to_string(bodies.size()));
    for (const auto& b : bodies) send_tx(des_o, "ets.designate", b);
  });

  static TxOpts und_o;
  static std::string und_company;
  static uint32_t und_last = 0;
  auto* und = ets->add_subcommand("undesignate",
                                  "Regulator: end a designation after a year (ets.undesignate)");
  und->add_option("--company", und_company, "Company account")->required();
  und->add_option("--last-year", und_last, "Last compliance year covered")->required();
  add_tx_options(und, und_o, reg);
  und->callback([] {
    need_year(und_last);
    send_tx(und_o, "ets.undesignate", {{"company", und_company}, {"last_year", und_last}});
  });

  static TxOpts al_o;
  static std::string al_order, al_envelope;
  auto* al = ets->add_subcommand(
      "allocate",
      "Regulator: issue a batch allocation order (ets.allocation.order) from the body `tanso ets "
      "preview --order-out` wrote. It needs the officers' multi-signature (2 of 3 by "
      "default): give every officer's key (-k o1.json -k o2.json), or sign with one and --out "
      "a file, then the next officer adds a signature with --envelope FILE and submits");
  auto* al_ord = al->add_option("--order", al_order,
                                "The order body file (from tanso ets preview --order-out)");
  al->add_option("--envelope", al_envelope,
                 "A signed order envelope (from --out) to add this officer's signature to")
      ->excludes(al_ord);
  add_tx_options(al, al_o, reg);
  al->callback([] {
    if (al_order.empty() == al_envelope.empty())
      fail(kUsage, "allocate needs --order FILE (a new order) or --envelope FILE (to co-sign)");
    if (!al_envelope.empty()) {
      std::string type;
      std::string env = add_signatures(read_text(al_envelope), al_o.keys, &type);
      if (type != "ets.allocation.order")
        fail(kUsage, al_envelope + " holds a " + type + " tx, not an ets.allocation.order");
      if (!al_o.out.empty()) {
        write_file(al_o.out, env);
        if (!global().quiet) std::cerr << "added the signature(s); wrote " << al_o.out << "\n";
        return;
      }
      submit(env, !al_o.no_wait);
      return;
    }
    Json b = parse_json_or_fail(read_text(al_order), al_order);
    if (!b.is_object() || !b.contains("order") || !b.contains("year") || !b.contains("entries") ||
        !b["entries"].is_array())
      fail(kUsage, al_order + ": not an allocation order body {order, year, entries, basis?}");
    uint64_t total = 0;
    for (const auto& e : b["entries"])
      if (e.is_array() && e.size() == 2)
        if (auto v = json_u64(e[1])) total += *v;
    if (!global().quiet)
      std::cerr << "order " << cell(b["order"]) << ": year " << cell(b["year"]) << ", "
                << b["entries"].size() << " companies, " << total << " KAU in total\n";
    send_tx(al_o, "ets.allocation.order", b);
  });

  static TxOpts kcu_o;
  static std::string kcu_to, kcu_amount, kcu_memo;
  auto* kcu = ets->add_subcommand(
      "issue-kcu", "Regulator: issue KCU (offset credits) to an account (ets.kcu.issue)");
  kcu->add_option("--to", kcu_to, "Receiving account")->required();
  kcu->add_option("--amount", kcu_amount, "Units (tCO2e)")->required();
  kcu->add_option("--memo", kcu_memo, "Source of the credits (project, KOC serials)");
  add_tx_options(kcu, kcu_o, reg);
  kcu->callback([] {
    Json b = {{"to", kcu_to}, {"amount", qty(kcu_amount, "--amount")}};
    if (!kcu_memo.empty()) b["memo"] = kcu_memo;
    send_tx(kcu_o, "ets.kcu.issue", b);
  });

  static TxOpts cer_o;
  static std::string cer_company, cer_t;
  static uint32_t cer_year = 0;
  auto* cer = ets->add_subcommand(
      "certify",
      "Regulator: record a company's certified emissions for a year, i.e. its surrender "
      "obligation (ets.emissions.certify)");
  cer->add_option("--company", cer_company, "Company account")->required();
  cer->add_option("--year", cer_year, "Compliance year")->required();
  cer->add_option("--tco2e", cer_t, "Certified emissions, tCO2e")->required();
  add_tx_options(cer, cer_o, reg);
  cer->callback([] {
    need_year(cer_year);
    send_tx(cer_o, "ets.emissions.certify",
            {{"company", cer_company}, {"year", cer_year}, {"tco2e", qty(cer_t, "--tco2e", 0)}});
  });

  static TxOpts pr_o;
  static std::string pr_krw;
  static uint32_t pr_year = 0;
  auto* pr = ets->add_subcommand(
      "price",
      "Regulator: set a year's average market price, KRW per tonne, used for penalties "
      "(ets.price.set)");
  pr->add_option("--year", pr_year, "Compliance year")->required();
  pr->add_option("--krw", pr_krw, "Average price, KRW per tonne")->required();
  add_tx_options(pr, pr_o, reg);
  pr->callback([] {
    need_year(pr_year);
    send_tx(pr_o, "ets.price.set", {{"year", pr_year}, {"avg_price_krw", qty(pr_krw, "--krw")}});
  });

  static TxOpts se_o;
  static uint32_t se_year = 0;
  auto* se = ets->add_subcommand(
      "settle",
      "Regulator: settle a year after its surrender deadline: every company's status and "
      "penalty (ets.compliance.settle)");
  se->add_option("--year", se_year, "Compliance year")->required();
  add_tx_options(se, se_o, reg);
  se->callback([] {
    need_year(se_year);
    send_tx(se_o, "ets.compliance.settle", {{"year", se_year}});
  });

  static TxOpts par_o;
  static std::string par_file;
  auto* par = ets->add_subcommand(
      "set-params", "Regulator: replace network parameters of the ETS (ets.params.set)");
  par->add_option("file", par_file,
                  "JSON {phases?, company_threshold_tco2e?, ..., penalty_cap_krw_per_t?}, or -")
      ->required();
  add_tx_options(par, par_o, reg);
  par->callback([] {
    Json b = parse_json_or_fail(read_text(par_file), par_file);
    if (!b.is_object()) fail(kUsage, par_file + ": the parameters are a JSON object");
    send_tx(par_o, "ets.params.set", b);
  });

  // ---- company ----
  static TxOpts su_o;
  static uint32_t su_year = 0;
  static std::string su_kau, su_kcu;
  auto* su = ets->add_subcommand(
      "surrender",
      "Company: surrender KAU of the year (including banked ones) and KCU (up to the offset "
      "cap) against the year's obligation, before its deadline (ets.surrender)");
  su->add_option("--year", su_year, "Compliance year")->required();
  su->add_option("--kau", su_kau, "KAU-<year> units to surrender");
  su->add_option("--kcu", su_kcu, "KCU units to surrender");
  add_tx_options(su, su_o, co);
  su->callback([] {
    need_year(su_year);
    if (su_kau.empty() && su_kcu.empty()) fail(kUsage, "surrender needs --kau N and/or --kcu N");
    Json units = Json::array();
    if (!su_kau.empty()) units.push_back({"KAU-" + std::to_string(su_year), qty(su_kau, "--kau")});
    if (!su_kcu.empty()) units.push_back({"KCU", qty(su_kcu, "--kcu")});
    send_tx(su_o, "ets.surrender", {{"year", su_year}, {"units", units}});
  });

  static TxOpts bk_o;
  static uint32_t bk_year = 0;
  static std::string bk_amount;
  auto* bk = ets->add_subcommand(
      "bank",
      "Company: carry surplus KAU-<year> into KAU-<year+1> once the year's obligation is met "
      "(ets.bank)");
  bk->add_option("--year", bk_year, "Compliance year the units come from")->required();
  bk->add_option("--amount", bk_amount, "Units")->required();
  add_tx_options(bk, bk_o, co);
  bk->callback([] {
    need_year(bk_year);
    send_tx(bk_o, "ets.bank", {{"year", bk_year}, {"amount", qty(bk_amount, "--amount")}});
  });

  static TxOpts bo_o;
  static uint32_t bo_year = 0;
  static std::string bo_amount;
  auto* bo = ets->add_subcommand(
      "borrow",
      "Company: borrow KAU-<year+1> into KAU-<year>, within the phase's borrowing limit "
      "(ets.borrow)");
  bo->add_option("--year", bo_year, "Compliance year the units are borrowed into")->required();
  bo->add_option("--amount", bo_amount, "Units")->required();
  add_tx_options(bo, bo_o, co);
  bo->callback([] {
    need_year(bo_year);
    send_tx(bo_o, "ets.borrow", {{"year", bo_year}, {"amount", qty(bo_amount, "--amount")}});
  });

  static TxOpts pj_o;
  static uint32_t pj_year = 0;
  static std::string pj_t;
  auto* pj =
      ets->add_subcommand("project",
                          "Company: record projected emissions for a year, for the position report "
                          "(ets.position.project)");
  pj->add_option("--year", pj_year, "Compliance year")->required();
  pj->add_option("--tco2e", pj_t, "Projected emissions, tCO2e")->required();
  add_tx_options(pj, pj_o, co);
  pj->callback([] {
    need_year(pj_year);
    send_tx(pj_o, "ets.position.project",
            {{"year", pj_year}, {"projected_tco2e", qty(pj_t, "--tco2e", 0)}});
  });

  // ---- reports ----
  static ReadOpts par_r;
  auto* qp = ets->add_subcommand("params", "The ETS network parameters (GET /v1/ets/params)");
  qp->add_flag("--json", par_r.json, "Print the API's JSON answer (the default here)");
  qp->callback([] { print_json(get_view("/v1/ets/params", par_r)); });

  static ReadOpts tot_r;
  static uint32_t tot_year = 0;
  auto* tot = ets->add_subcommand(
      "totals",
      "A year's totals: cap, allocated, surrendered, banked, borrowed, offsets, penalties (GET "
      "/v1/ets/years/{year}/totals)");
  tot->add_option("--year", tot_year, "Compliance year")->required();
  add_read_options(tot, tot_r, " (optional: public)");
  tot->callback([] {
    Json j = get_view("/v1/ets/years/" + std::to_string(tot_year) + "/totals", tot_r);
    tot_r.json ? print_json(j) : print_fields(j);
  });

  static ReadOpts cmp_r;
  static uint32_t cmp_year = 0;
  auto* cmp = ets->add_subcommand(
      "compliance",
      "A year's compliance table: every company's allocation, certified emissions, surrenders, "
      "shortfall, penalty and status (GET /v1/ets/years/{year}/compliance; before settlement "
      "only the regulator sees every row)");
  cmp->add_option("--year", cmp_year, "Compliance year")->required();
  add_read_options(cmp, cmp_r, " (an officer's key, before the year is settled)");
  cmp->callback([] {
    Json j = get_view("/v1/ets/years/" + std::to_string(cmp_year) + "/compliance", cmp_r);
    if (cmp_r.json) return print_json(j);
    Json head = j;
    head.erase("rows");
    print_fields(head);
    std::cout << "\n";
    print_rows(j.value("rows", Json::array()),
               {"company", "allocated", "certified_tco2e", "surrendered_kau", "surrendered_kcu",
                "counted", "banked", "borrowed", "shortfall", "penalty_krw", "status"});
  });

  static ReadOpts cos_r;
  static uint32_t cos_year = 0;
  auto* cos =
      ets->add_subcommand("companies", "The designated companies (GET /v1/ets/companies[?year=Y])");
  cos->add_option("--year", cos_year, "Only those covered in this year");
  add_read_options(cos, cos_r, " (optional: public)");
  cos->callback([] {
    Json j = get_view(
        "/v1/ets/companies" + (cos_year ? "?year=" + std::to_string(cos_year) : std::string()),
        cos_r);
    if (cos_r.json) return print_json(j);
    Json rows = j.value("companies", Json::array());
    for (auto& r : rows)
      if (r.is_object() && r.contains("installations") && r["installations"].is_array())
        r["installations"] = r["installations"].size();
    print_rows(rows, {"company", "name", "sector", "from_year", "to_year", "installations",
                      "annual_tco2e", "meets_threshold"});
  });

  static ReadOpts co_r;
  static std::string co_acct;
  auto* coq = ets->add_subcommand(
      "company",
      "A company's designation and its rows per year (GET /v1/ets/companies/{account}; signed "
      "by the company or the regulator)");
  coq->add_option("account", co_acct, "Company account")->required();
  add_read_options(coq, co_r, " (the company's or an officer's)");
  coq->callback([] {
    Json j = get_view("/v1/ets/companies/" + co_acct, co_r);
    if (co_r.json) return print_json(j);
    Json head = j;
    head.erase("years");
    print_fields(head);
    std::cout << "\n";
    print_rows(j.value("years", Json::array()),
               {"year", "allocated", "certified_tco2e", "surrendered_kau", "surrendered_kcu",
                "banked", "borrowed", "status"});
  });

  static ReadOpts pos_r;
  static std::string pos_acct;
  static uint32_t pos_year = 0;
  auto* pos = ets->add_subcommand(
      "position",
      "A company's position for a year: projected or certified emissions against what covers "
      "them, gap and risk band (GET /v1/ets/companies/{account}/position; signed by the company "
      "or the regulator)");
  pos->add_option("account", pos_acct, "Company account (default: the key file's account)");
  pos->add_option("--year", pos_year, "Compliance year (default: the current one)");
  add_read_options(pos, pos_r, " (the company's or an officer's)");
  pos->callback([] {
    std::string acct = pos_acct;
    if (acct.empty() && !pos_r.key.empty()) acct = load_key(pos_r.key).account;
    if (acct.empty()) fail(kUsage, "position needs an account (or a key file naming one)");
    Json j = get_view("/v1/ets/companies/" + acct + "/position" +
                          (pos_year ? "?year=" + std::to_string(pos_year) : std::string()),
                      pos_r);
    pos_r.json ? print_json(j) : print_fields(j);
  });
}

}  // namespace tanso::cli
