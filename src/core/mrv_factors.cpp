// The MRV emission factor registry: the default set and its sources, strict parsing of factor
// sets, and mrv.factors.publish (body format and key space: core/mrv_factors.h).
#include "core/mrv_factors.h"

#include "core/limits.h"

namespace tanso {

namespace {

constexpr std::string_view kType = "mrv.factors.publish";
constexpr std::string_view kLatestKey = "mrv/factors/latest";
constexpr uint32_t kYearMin = 2000;
constexpr uint32_t kYearMax = 2200;
constexpr size_t kFuelsMax = 64;
constexpr size_t kFuelNameMax = 32;
constexpr size_t kGridMax = 64;
constexpr uint64_t kNcvMax = 1'000'000;               // 1,000 MJ per kg or Nm3, in kJ
constexpr uint64_t kEfMax = 1'000'000'000;            // 1,000,000 kg/TJ, in g/TJ
constexpr uint64_t kGwpMax = 100'000'000;             // 100,000, in thousandths
constexpr uint64_t kGridMax_g_per_mwh = 100'000'000;  // 100 t/MWh, in g/MWh

std::string key_of(std::string_view version) { return "mrv/factors/" + std::string(version); }

// The default set. Every value below is the published figure, not a derived one.
FactorSet make_default() {
  FactorSet fs;
  fs.version = std::string(kDefaultFactorVersion);
  fs.valid_from = 2020;
  fs.source =
      "IPCC 2006 GL Vol.2 Table 1.2 (NCV) and Table 2.2 (EF); KEA heat conversion (natural gas "
      "per Nm3); AR5 GWP100; Korean grid factor (GIR) 2020-22 and 2023";
  // Net calorific values, IPCC 2006 Guidelines Vol. 2 (Energy) Ch. 1, Table 1.2 (TJ/Gg = MJ/kg):
  //   Natural Gas 48.0, Liquefied Petroleum Gases 47.3, Gas/Diesel Oil 43.0.
  // Emission factors, IPCC 2006 Vol. 2 Ch. 2, Table 2.2 (default EFs for stationary combustion
  // in the energy industries, kg of gas per TJ on a net calorific basis):
  //   Natural Gas CO2 56,100 / CH4 1 / N2O 0.1; LPG 63,100 / 1 / 0.1;
  //   Gas/Diesel Oil 74,100 / 3 / 0.6.
  // Natural gas per normal m3 (IPCC gives NCVs per mass only): 38.5 MJ/Nm3, the net calorific
  // value of city gas (LNG) in Korea's energy heat conversion standard (Energy Act Enforcement
  // Rule, annex) as we recall it, NOT yet checked against the current annex (docs/MRV.md).
  // Meters of gas volume use it; the regulator publishes a newer figure as a new factor-set
  // version when the standard is revised.
  fs.fuels["natural_gas"] = {48'000, 38'500, 56'100'000, 1'000, 100};
  fs.fuels["lpg"] = {47'300, std::nullopt, 63'100'000, 1'000, 100};
  fs.fuels["diesel"] = {43'000, std::nullopt, 74'100'000, 3'000, 600};
  // Korean national grid, consumption basis (docs/DOMAIN.md §1): 0.4541 tCO2e/MWh, the 2020-22
  // average, and 0.4173 for 2023. Later years need a newer set (mrv.no_grid_factor until then).
  fs.grid = {{2020, 2022, 454'100}, {2023, 2023, 417'300}};
  // GWP100, IPCC AR5 WG1 Ch. 8 Table 8.7: CH4 28, N2O 265.
  fs.gwp_ch4_milli = 28'000;
  fs.gwp_n2o_milli = 265'000;
  return fs;
}

Error bad(std::string_view type, const std::string& what) {
  return err("tx.malformed", std::string(type) + ": body." + what);
}
Error unknown(std::string_view type, const std::string& where, const std::string& k) {
  return err("tx.unknown_field", std::string(type) + ": unknown field '" + k + "' in " + where);
}

// A fixed-point factor: a decimal string, or a JSON integer (never a float).
Result<uint64_t> dec(std::string_view type, const Json& v, const std::string& what, unsigned scale,
                     uint64_t min, uint64_t max) {
  std::optional<uint64_t> n;
  if (v.is_string()) {
    n = parse_fixed(v.get_ref<const std::string&>(), scale, max);
  } else if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
    uint64_t i = v.get<uint64_t>();
    static constexpr uint64_t kP[] = {1, 10, 100, 1000, 10'000, 100'000, 1'000'000};
    if (i <= max / kP[scale]) n = i * kP[scale];
  }
  if (!n || *n < min)
    return bad(type, what + " must be a decimal string with at most " + std::to_string(scale) +
                         " decimals, from " + fixed_text(min, scale) + " to " +
                         fixed_text(max, scale));
  return *n;
}

Result<uint32_t> year(std::string_view type, const Json& v, const std::string& what) {
  auto n = json_u64(v);
  if (!n || *n < kYearMin || *n > kYearMax)
    return bad(type, what + " must be a year from 2000 to 2200");
  return static_cast<uint32_t>(*n);
}

bool valid_fuel_name(const std::string& s) {
  if (s.empty() || s.size() > kFuelNameMax) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

Result<FuelFactors> parse_fuel(std::string_view type, const std::string& name, const Json& j) {
  const std::string at = "fuels." + name;
  if (!j.is_object()) return bad(type, at + " must be an object");
  FuelFactors f;
  bool co2 = false, ch4 = false, n2o = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const std::string what = at + "." + k;
    if (k == "ncv_mj_per_kg" || k == "ncv_mj_per_nm3") {
      auto v = dec(type, it.value(), what, kNcvScale, 1, kNcvMax);
      if (!v) return v.error();
      (k == "ncv_mj_per_kg" ? f.ncv_kj_per_kg : f.ncv_kj_per_nm3) = *v;
    } else if (k == "co2_kg_per_tj" || k == "ch4_kg_per_tj" || k == "n2o_kg_per_tj") {
      auto v = dec(type, it.value(), what, kEfScale, 0, kEfMax);
      if (!v) return v.error();
      if (k[1] == 'o') {
        f.co2_g_per_tj = *v;
        co2 = true;
      } else if (k[1] == 'h') {
        f.ch4_g_per_tj = *v;
        ch4 = true;
      } else {
        f.n2o_g_per_tj = *v;
        n2o = true;
      }
    } else {
      return unknown(type, at, k);
    }
  }
  if (!co2 || !ch4 || !n2o)
    return bad(type, at + " needs co2_kg_per_tj, ch4_kg_per_tj and n2o_kg_per_tj");
  return f;
}

Result<std::vector<GridFactor>> parse_grid(std::string_view type, const Json& j) {
  if (!j.is_array() || j.size() > kGridMax)
    return bad(type, "grid must be a list of at most 64 {from_year, to_year, tco2e_per_mwh}");
  std::vector<GridFactor> out;
  for (const auto& e : j) {
    const std::string at = "grid[" + std::to_string(out.size()) + "]";
    if (!e.is_object()) return bad(type, at + " must be {from_year, to_year, tco2e_per_mwh}");
    GridFactor g;
    int seen = 0;
    for (auto it = e.begin(); it != e.end(); ++it) {
      const std::string& k = it.key();
      if (k == "from_year" || k == "to_year") {
        auto y = year(type, it.value(), at + "." + k);
        if (!y) return y.error();
        (k == "from_year" ? g.from_year : g.to_year) = *y;
      } else if (k == "tco2e_per_mwh") {
        auto v = dec(type, it.value(), at + "." + k, kGridScale, 0, kGridMax_g_per_mwh);
        if (!v) return v.error();
        g.g_per_mwh = *v;
      } else {
        return unknown(type, at, k);
      }
      ++seen;
    }
    if (seen != 3) return bad(type, at + " needs from_year, to_year and tco2e_per_mwh");
    if (g.from_year > g.to_year) return bad(type, at + ".from_year is after its to_year");
    if (!out.empty() && g.from_year <= out.back().to_year)
      return bad(type, at + " must start after the previous range ends (increasing, no overlap)");
    out.push_back(g);
  }
  return out;
}

}  // namespace

const FactorSet& default_factor_set() {
  static const FactorSet kDefault = make_default();
  return kDefault;
}

Result<FactorSet> factor_set_from_json(const Json& body, std::string_view type) {
  if (!body.is_object()) return err("tx.malformed", std::string(type) + ": body must be an object");
  Fields f(body, type);
  if (auto s = f.only({"version", "valid_from", "source", "fuels", "grid", "gwp"}); !s)
    return s.error();
  FactorSet fs;
  auto version = f.id("version");
  if (!version) return version.error();
  if (*version == "latest") return bad(type, "version 'latest' is reserved");
  fs.version = *version;
  if (f.has("valid_from")) {
    auto y = year(type, body["valid_from"], "valid_from");
    if (!y) return y.error();
    fs.valid_from = *y;
  }
  auto source = f.text("source", false);
  if (!source) return source.error();
  fs.source = *source;

  if (!f.has("fuels") || !body["fuels"].is_object() || body["fuels"].empty() ||
      body["fuels"].size() > kFuelsMax)
    return bad(type, "fuels must be an object of 1 to 64 fuels");
  for (auto it = body["fuels"].begin(); it != body["fuels"].end(); ++it) {
    if (!valid_fuel_name(it.key()))
      return bad(type, "fuels: a fuel name is 1-32 of [a-z0-9_], not '" + it.key() + "'");
    auto fuel = parse_fuel(type, it.key(), it.value());
    if (!fuel) return fuel.error();
    fs.fuels[it.key()] = *fuel;
  }

  if (!f.has("grid")) return bad(type, "grid is required (a list, possibly empty)");
  auto grid = parse_grid(type, body["grid"]);
  if (!grid) return grid.error();
  fs.grid = std::move(*grid);

  if (!f.has("gwp") || !body["gwp"].is_object()) return bad(type, "gwp must be {ch4, n2o}");
  const Json& g = body["gwp"];
  for (auto it = g.begin(); it != g.end(); ++it)
    if (it.key() != "ch4" && it.key() != "n2o") return unknown(type, "gwp", it.key());
  if (!g.contains("ch4") || !g.contains("n2o")) return bad(type, "gwp needs ch4 and n2o");
  auto ch4 = dec(type, g["ch4"], "gwp.ch4", kGwpScale, 1, kGwpMax);
  if (!ch4) return ch4.error();
  auto n2o = dec(type, g["n2o"], "gwp.n2o", kGwpScale, 1, kGwpMax);
  if (!n2o) return n2o.error();
  fs.gwp_ch4_milli = *ch4;
  fs.gwp_n2o_milli = *n2o;
  return fs;
}

Json factor_set_to_json(const FactorSet& fs) {
  Json fuels = Json::object();
  for (const auto& [name, f] : fs.fuels) {
    Json j = {{"co2_kg_per_tj", fixed_text(f.co2_g_per_tj, kEfScale)},
              {"ch4_kg_per_tj", fixed_text(f.ch4_g_per_tj, kEfScale)},
              {"n2o_kg_per_tj", fixed_text(f.n2o_g_per_tj, kEfScale)}};
    if (f.ncv_kj_per_kg) j["ncv_mj_per_kg"] = fixed_text(*f.ncv_kj_per_kg, kNcvScale);
    if (f.ncv_kj_per_nm3) j["ncv_mj_per_nm3"] = fixed_text(*f.ncv_kj_per_nm3, kNcvScale);
    fuels[name] = std::move(j);
  }
  Json grid = Json::array();
  for (const auto& g : fs.grid)
    grid.push_back({{"from_year", g.from_year},
                    {"to_year", g.to_year},
                    {"tco2e_per_mwh", fixed_text(g.g_per_mwh, kGridScale)}});
  Json out = {{"version", fs.version},
              {"fuels", fuels},
              {"grid", grid},
              {"gwp",
               {{"ch4", fixed_text(fs.gwp_ch4_milli, kGwpScale)},
                {"n2o", fixed_text(fs.gwp_n2o_milli, kGwpScale)}}}};
  if (fs.valid_from) out["valid_from"] = *fs.valid_from;
  if (!fs.source.empty()) out["source"] = fs.source;
  return out;
}

std::string latest_factor_version(const StateReader& st) {
  auto v = st.get(kLatestKey);
  return v ? *v : std::string(kDefaultFactorVersion);
}

namespace {

// The stored record of a version, or nullopt (the default's version is never stored).
std::optional<Json> stored(const StateReader& st, std::string_view version) {
  auto v = st.get(key_of(version));
  if (!v) return std::nullopt;
  return Json::parse(*v);
}

Error unknown_version(std::string_view version) {
  return err("mrv.unknown_factor_version",
             "no emission factor set '" + std::string(version) + "' was published", 404);
}

}  // namespace

Result<FactorSet> load_factor_set(const StateReader& st, std::string_view version) {
  std::string v = version == "latest" ? latest_factor_version(st) : std::string(version);
  if (v == kDefaultFactorVersion) return default_factor_set();
  auto rec = stored(st, v);
  if (!rec) return unknown_version(v);
  rec->erase("published_by");
  rec->erase("height");
  // Stored sets were validated before they were written; a failure is a corrupt state.
  return factor_set_from_json(*rec, kType);
}

Result<Json> mrv_factor_set(const StateReader& st, std::string_view version) {
  std::string latest = latest_factor_version(st);
  std::string v = version == "latest" ? latest : std::string(version);
  Json out;
  if (v == kDefaultFactorVersion) {
    out = factor_set_to_json(default_factor_set());
    out["origin"] = "default";
  } else {
    auto rec = stored(st, v);
    if (!rec) return unknown_version(v);
    out = std::move(*rec);
    out["origin"] = "state";
  }
  out["latest"] = v == latest;
  return out;
}

namespace {

Status publish_check(const Json& b) {
  auto fs = factor_set_from_json(b, kType);
  if (!fs) return fs.error();
  return ok_status();
}

// Rules: the version is new (never published, not the built-in default's). Writes the canonical
// set and moves "latest" to it.
Status publish_apply(TxEnv& env) {
  auto fs = factor_set_from_json(env.tx.payload.body, kType);
  if (!fs) return fs.error();
  if (fs->version == kDefaultFactorVersion || env.st.get(key_of(fs->version)))
    return err("mrv.factor_version_exists",
               "emission factor set '" + fs->version +
                   "' exists; published versions are immutable (publish a new version)",
               409);
  Json rec = factor_set_to_json(*fs);
  rec["published_by"] = env.tx.payload.from;
  rec["height"] = env.height;
  env.st.put(key_of(fs->version), rec.dump());
  env.st.put(kLatestKey, fs->version);
  return ok_status();
}

const TxHandler kHandlers[] = {
    {kType, publish_check, publish_apply},
};

}  // namespace

std::span<const TxHandler> mrv_handlers() { return kHandlers; }

}  // namespace tanso
