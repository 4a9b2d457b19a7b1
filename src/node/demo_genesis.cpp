// Builds the demo and minimal genesis documents and their key files.
#include "node/demo_genesis.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <vector>

#include "core/mrv_factors.h"
#include "core/mrv_registry.h"
#include "core/tx.h"
#include "ets/allocation.h"
#include "ets/history.h"
#include "node/keyfile.h"

namespace tanso {

// The sample disclosure files of samples/ets, embedded at build time (ets_samples.cpp, made by
// cmake/embed_ets_samples.cmake): "ngms_2018.csv", "etrs_2018.tsv", "companies.json".
std::string_view demo_ets_sample(std::string_view name);

namespace {

struct Builder {
  std::string keys_dir;
  Json orgs = Json::array(), accounts = Json::array();

  Result<std::string> key(const std::string& file, const std::string& account) {
    KeyFile kf = new_key(account);
    if (auto s = write_key_file(keys_dir + "/" + file + ".json", kf); !s) return s.error();
    return key_to_text(kf.key.pub);
  }
  Status org(const std::string& id, const std::string& name, const std::string& role) {
    orgs.push_back({{"org", id}, {"name", name}, {"role", role}});
    auto k = key(id, id);
    if (!k) return k.error();
    accounts.push_back({{"account", id}, {"org", id}, {"keys", {*k}}});
    return ok_status();
  }
};

Status prepare_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return err("demo.io", "cannot create " + dir + ": " + ec.message());
  return ok_status();
}

Result<Json> regulator(Builder& b, unsigned officers, unsigned threshold) {
  b.orgs.push_back(
      {{"org", "moe"}, {"name", "Ministry of Environment (GIR)"}, {"role", "regulator"}});
  Json keys = Json::array();
  for (unsigned i = 1; i <= officers; ++i) {
    auto k = b.key("regulator-officer" + std::to_string(i), "regulator");
    if (!k) return k.error();
    keys.push_back(*k);
  }
  return Json{{"account", "regulator"}, {"org", "moe"}, {"keys", keys}, {"threshold", threshold}};
}

// The demo's emissions trading (DOMAIN.md §2), applied in genesis: the 2026 plan, the four demo
// companies designated with their installations, the 2026 allocation order computed from the
// sample NGMS/ETRS files exactly as `tanso ets preview` does (samples/ets/README.md: base years
// 2017-2019, adjustment 0.97, 3 % auction share, cap 6,000,000), certified 2026 emissions of
// three companies, the 2026 average price and KCU for hanbit-steel. A user can surrender at once
// and read a position and a compliance status (README "Try the ETS").
constexpr uint32_t kDemoEtsYear = 2026;

Result<Json> demo_ets() {
  using namespace tanso::ets;
  std::vector<EmissionRecord> history;
  for (const char* f : {"ngms_2018.csv", "etrs_2018.tsv"}) {
    ImportReport rep = import_history(demo_ets_sample(f));
    if (rep.refused || rep.records.empty())
      return err("genesis.invalid", std::string("the embedded sample ") + f + " does not import");
    history.insert(history.end(), rep.records.begin(), rep.records.end());
  }
  Json cj = Json::parse(std::string(demo_ets_sample("companies.json")), nullptr, false);
  auto companies = companies_from_json(cj);
  if (!companies) return companies.error();
  AllocationSettings s;
  s.year = kDemoEtsYear;
  s.base_year_first = 2017;
  s.base_year_last = 2019;
  s.adjustment_ppm = 970'000;
  s.auction_share_ppm = 30'000;
  s.cap_t = 6'000'000;
  auto preview = preview_allocation(history, *companies, s);
  if (!preview) return preview.error();
  auto order = allocation_order_body(*preview, "kau-2026-initial");
  if (!order) return order.error();

  struct Site {
    const char *id, *name;
    uint64_t annual_t;
  };
  struct Covered {
    const char* account;
    std::vector<Site> sites;
    std::optional<uint64_t> certified_2026;
  };
  // Invented installations (their annual figures sum to about the company's base average) and
  // 2026 emissions: hanbit-steel needs 42,146 t beyond its free allocation (its KCU cover it,
  // within the 5 % offset cap), daehan-cement has a surplus to bank, seoul-petrochem is short,
  // nuri-power is not certified yet (its position uses a projection once it records one).
  const Covered covered[] = {
      {"hanbit-steel",
       {{"hanbit-pohang", "Pohang steelworks", 1'040'000},
        {"hanbit-dangjin", "Dangjin electric-arc furnace plant", 243'000}},
       1'250'000},
      {"daehan-cement", {{"daehan-danyang", "Danyang cement plant", 844'000}}, 780'000},
      {"seoul-petrochem", {{"seoul-ulsan", "Ulsan naphtha cracker", 605'000}}, 600'000},
      {"nuri-power",
       {{"nuri-boryeong", "Boryeong coal-fired power plant", 1'480'000},
        {"nuri-incheon", "Incheon LNG combined-cycle plant", 680'000}},
       std::nullopt},
  };
  Json txs = Json::array();
  txs.push_back({{"type", "ets.plan.set"},
                 {"body", {{"year", kDemoEtsYear}, {"cap", "6000000"}, {"auction", "180000"}}}});
  for (const auto& c : covered) {
    const CompanyAllocation* a = nullptr;
    for (const auto& x : preview->companies)
      if (x.account == c.account) a = &x;
    if (!a) return err("genesis.invalid", std::string(c.account) + " is not in companies.json");
    std::string label = a->name, sector;
    for (const auto& j : cj["companies"])
      if (j.value("account", "") == c.account) label = j.value("label", a->name);
    for (const auto& r : history)
      if (r.company_name == a->name && !r.sector.empty()) sector = r.sector;
    Json inst = Json::array();
    for (const auto& site : c.sites)
      inst.push_back(
          {{"id", site.id}, {"name", site.name}, {"annual_tco2e", std::to_string(site.annual_t)}});
    txs.push_back({{"type", "ets.designate"},
                   {"body",
                    {{"company", c.account},
                     {"name", label},
                     {"sector", sector},
                     {"from_year", 2021},
                     {"installations", inst},
                     {"annual_tco2e", std::to_string(a->base_average_t)}}}});
  }
  txs.push_back({{"type", "ets.allocation.order"}, {"body", *order}});
  for (const auto& c : covered)
    if (c.certified_2026)
      txs.push_back({{"type", "ets.emissions.certify"},
                     {"body",
                      {{"company", c.account},
                       {"year", kDemoEtsYear},
                       {"tco2e", std::to_string(*c.certified_2026)}}}});
  txs.push_back(
      {{"type", "ets.price.set"}, {"body", {{"year", kDemoEtsYear}, {"avg_price_krw", "9000"}}}});
  txs.push_back({{"type", "ets.kcu.issue"},
                 {"body",
                  {{"to", "hanbit-steel"},
                   {"amount", "50000"},
                   {"memo", "demo: KOC of an invented cookstove project, converted to KCU"}}}});
  return Json{{"txs", txs}};
}

// The demo's MRV (DOMAIN.md §1, docs/MRV.md), applied in genesis as genesis "mrv" txs: each
// demo installation of the ETS designations above gets 2-3 meters (natural gas Nm3, power kWh,
// a diesel scale kg at some), each with its own Ed25519 key written to devices_dir/<device>.json,
// registered by the company, calibrated by the demo verifier (korea-verify) for the genesis year
// and the next, and an approved monitoring plan; each company gets an edge account
// (<company>.edge, in the company's org) whose key is keys_dir/<company>.edge.json. The plans use
// a demo factor set: the built-in default's fuels and GWPs, with the default's 2023 grid factor
// assumed for later years, which the default set does not cover (mrv.no_grid_factor) and power
// meters of a current-year demo need.
constexpr std::string_view kDemoFactorVersion = "demo-kr2023-grid-extended";

struct DemoSite {
  const char* company;
  const char* installation;
  bool diesel;
};
constexpr DemoSite kDemoSites[] = {
    {"hanbit-steel", "hanbit-pohang", true},   {"hanbit-steel", "hanbit-dangjin", false},
    {"daehan-cement", "daehan-danyang", true}, {"seoul-petrochem", "seoul-ulsan", false},
    {"nuri-power", "nuri-boryeong", true},     {"nuri-power", "nuri-incheon", false},
};

Json demo_factor_set() {
  Json fs = factor_set_to_json(default_factor_set());
  fs["version"] = kDemoFactorVersion;
  fs["source"] =
      "DEMO ONLY: the built-in ipcc2006-ar5-kr2023 set, with its 2023 Korean grid factor "
      "(0.4173 tCO2e/MWh) assumed for 2024-2099 (not an official figure)";
  fs["grid"].push_back({{"from_year", 2024}, {"to_year", 2099}, {"tco2e_per_mwh", "0.4173"}});
  return fs;
}

Result<Json> demo_mrv(Builder& b, const std::string& devices_dir, uint64_t time_ms) {
  if (auto s = prepare_dir(devices_dir); !s) return s.error();
  const std::string day = date_of_ms(time_ms);
  const int year = std::stoi(day.substr(0, 4));
  Json txs = Json::array();
  auto tx = [&](const char* type, const std::string& from, Json body) {
    txs.push_back({{"type", type}, {"from", from}, {"body", std::move(body)}});
  };
  std::set<std::string> edges;
  Json manifest = Json::array();     // tanso-sensor-sim's devices.json (docs/SENSOR_SIM.md)
  Json edge_sites = Json::object();  // company -> installations, for scripts/run-demo.sh
  for (const auto& site : kDemoSites) {
    const std::string company = site.company, inst = site.installation;
    edge_sites[company].push_back(inst);
    if (edges.insert(company).second) {
      auto k = b.key(company + ".edge", company + ".edge");
      if (!k) return k.error();
      b.accounts.push_back({{"account", company + ".edge"}, {"org", company}, {"keys", {*k}}});
    }
    struct Meter {
      const char *suffix, *source, *quantity, *unit, *fuel;
      int scope;
      const char* kind;  // the simulator's profile
    };
    std::vector<Meter> meters = {
        {"gas-1", "natural_gas", "natural_gas_volume", "Nm3", "natural_gas", 1, "gas"},
        {"power-1", "electricity", "electricity", "kWh", nullptr, 2, "power"}};
    if (site.diesel)
      meters.push_back({"diesel-1", "diesel", "fuel_mass", "kg", "diesel", 1, "fuel"});
    Json sources = Json::array();
    for (const auto& m : meters) {
      const std::string device = inst + "." + m.suffix;
      KeyFile kf = new_key();
      if (auto s = write_key_file(devices_dir + "/" + device + ".json", kf); !s) return s.error();
      Json reg = {{"device", device},   {"key", key_to_text(kf.key.pub)}, {"installation", inst},
                  {"source", m.source}, {"quantity", m.quantity},         {"unit", m.unit},
                  {"scope", m.scope}};
      Json src = {{"source", m.source},
                  {"scope", m.scope},
                  {"method", "calculation"},
                  {"tier", m.scope == 1 ? 3 : 2},
                  {"factor_version", kDemoFactorVersion}};
      if (m.fuel) reg["fuel"] = src["fuel"] = m.fuel;
      tx("mrv.device.register", company, reg);
      manifest.push_back({{"id", device},
                          {"installation", inst},
                          {"kind", m.kind},
                          {"unit", m.unit},
                          {"key_file", device + ".json"},
                          {"public_key", key_to_text(kf.key.pub)},
                          {"source", m.source}});
      tx("mrv.device.calibrate", "korea-verify",
         {{"device", device},
          {"technician", "Kim Ji-won (demo)"},
          {"certificate", "KVI-CAL-" + std::to_string(year) + "-" + device},
          {"calibrated_on", std::to_string(year) + "-01-01"},
          {"expires_on", std::to_string(year + 1) + "-12-31"}});
      sources.push_back(src);
    }
    tx("mrv.plan.set", company, {{"installation", inst}, {"sources", sources}});
    tx("mrv.plan.approve", "regulator", {{"installation", inst}, {"revision", 1}});
  }
  std::ofstream mf(devices_dir + "/devices.json", std::ios::trunc);
  mf << Json{{"format", "tanso-sensor-sim/devices/v1"}, {"devices", manifest}}.dump(2) << "\n";
  if (!mf.good()) return err("demo.io", "cannot write " + devices_dir + "/devices.json");
  std::ofstream ef(devices_dir + "/edges.json", std::ios::trunc);
  ef << edge_sites.dump(2) << "\n";
  if (!ef.good()) return err("demo.io", "cannot write " + devices_dir + "/edges.json");
  return Json{{"factor_sets", Json::array({demo_factor_set()})}, {"txs", txs}};
}

}  // namespace

Result<std::string> make_minimal_genesis(const std::string& chain_id, const std::string& keys_dir,
                                         unsigned officers, unsigned threshold, uint64_t time_ms) {
  if (auto s = prepare_dir(keys_dir); !s) return s.error();
  if (officers == 0 || threshold == 0 || threshold > officers)
    return err("genesis.invalid", "need 1 <= threshold <= officers");
  Builder b{keys_dir};
  auto reg = regulator(b, officers, threshold);
  if (!reg) return reg.error();
  b.accounts.push_back(*reg);
  Json g = {
      {"chain_id", chain_id}, {"time_ms", time_ms}, {"orgs", b.orgs}, {"accounts", b.accounts}};
  return g.dump(2);
}

Result<std::string> make_demo_genesis(const std::string& chain_id, const std::string& keys_dir,
                                      uint64_t time_ms, std::string devices_dir) {
  if (devices_dir.empty())
    devices_dir = (std::filesystem::path(keys_dir).parent_path() / "devices").string();
  if (auto s = prepare_dir(keys_dir); !s) return s.error();
  Builder b{keys_dir};
  auto reg = regulator(b, 3, 1);
  if (!reg) return reg.error();
  // Changing the rules of the network, and issuing allowances, takes two of the three officers.
  (*reg)["type_thresholds"] = {{"governance.permissions.set", 2},
                               {"identity.org.register", 2},
                               {"identity.policy.set", 2},
                               {"ets.allocation.order", 2}};
  b.accounts.push_back(*reg);
  struct Actor {
    const char *id, *name, *role;
  };
  const Actor actors[] = {
      {"hanbit-steel", "Hanbit Steel Co.", "company"},
      {"daehan-cement", "Daehan Cement Co.", "company"},
      {"seoul-petrochem", "Seoul Petrochemical Co.", "company"},
      {"nuri-power", "Nuri Power Generation Co.", "company"},
      {"korea-verify", "Korea Verification Institute", "verifier"},
      {"kemco-cert", "Offset Certification Body", "certifier"},
      {"suwon-si", "Suwon City Hall (external project operator)", "municipality"},
      {"goyang-city", "Goyang City (citizen programs)", "municipality"},
      {"krx", "Korea Exchange (emissions market)", "exchange"},
      {"settle-bank", "Settlement Bank", "bank"},
      // Citizens are organizations of one account each, so no citizen reads another's points.
      {"citizen-kim", "Kim Min-ji (Goyang citizen)", "citizen"},
      {"citizen-lee", "Lee Jun-ho (Goyang citizen)", "citizen"},
      {"goyang-market", "Goyang Ilsan market (merchant)", "merchant"},
  };
  for (const auto& a : actors)
    if (auto s = b.org(a.id, a.name, a.role); !s) return s.error();
  Json instruments = Json::array({{{"instrument", "KRW"},
                                   {"issuer", "settle-bank"},
                                   {"name", "Korean won (settlement cash)"},
                                   {"unit", "KRW"}}});
  Json balances = Json::array();
  for (const char* c : {"hanbit-steel", "daehan-cement", "seoul-petrochem", "nuri-power", "krx"})
    balances.push_back({{"account", c}, {"instrument", "KRW"}, {"amount", "5000000000"}});
  auto ets = demo_ets();
  if (!ets) return ets.error();
  auto mrv = demo_mrv(b, devices_dir, time_ms);
  if (!mrv) return mrv.error();
  Json g = {{"chain_id", chain_id},
            {"time_ms", time_ms},
            {"orgs", b.orgs},
            {"accounts", b.accounts},
            {"instruments", instruments},
            {"balances", balances},
            {"ets", *ets},
            {"mrv", *mrv}};
  return g.dump(2);
}

}  // namespace tanso
