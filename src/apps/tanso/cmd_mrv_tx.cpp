// tanso mrv factors publish | device register|calibrate|retire | plan set|approve | batch submit:
// one command per mrv.* tx (docs/MRV.md has the bodies and rules, docs/CLI.md the commands).
//
// Each builds the tx body from flags, or from a JSON file (--file) where the body is big (plan
// sources, batch totals; flags given with --file set or replace those fields), then signs and
// submits it like `tanso tx send` and waits for its block (cmd_common.h). Exit codes: cli.h.
#include <iostream>

#include "cli.h"
#include "cmd_common.h"
#include "core/crypto.h"
#include "ets/csv.h"

namespace tanso::cli {

namespace {

// A body from --file (a JSON object), or an empty object.
Json body_from(const std::string& file) {
  if (file.empty()) return Json::object();
  Json j = parse_json_or_fail(read_text(file), file);
  if (!j.is_object()) fail(kUsage, file + ": expected a JSON object (the tx body)");
  return j;
}

void set_if(Json& b, const char* key, const std::string& v) {
  if (!v.empty()) b[key] = v;
}

void need(const Json& b, std::initializer_list<const char*> keys, const std::string& cmd) {
  for (const char* k : keys)
    if (!b.contains(k)) fail(kUsage, cmd + " needs " + k + " (a flag, or the field in --file)");
}

// A device's public key: "ed25519:<hex>", or a key file whose public key is taken.
std::string device_pub(const std::string& v) {
  if (v.starts_with("ed25519:")) {
    if (!key_from_text(v)) fail(kUsage, "--device-key: not an Ed25519 key \"ed25519:<64 hex>\"");
    return v;
  }
  return key_to_text(load_key(v).key.pub);
}

// "10000", "1,234.5" in the unit -> thousandths of the unit, as in batch totals.
uint64_t milli(const std::string& text) {
  auto v = ets::parse_quantity(text, 3);
  if (!v) fail(kUsage, "a quantity must be a number with at most 3 decimals, not '" + text + "'");
  return *v;
}

uint64_t count(const std::string& text) {
  auto v = ets::parse_quantity(text, 0);
  if (!v) fail(kUsage, "a count must be a whole number, not '" + text + "'");
  return *v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t from = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(from, i - from));
      from = i + 1;
    }
  return out;
}

// --total SOURCE:DEVICE:UNIT:QUANTITY[:READINGS[:GAPS[:SUBSTITUTED]]]
Json total_of(const std::string& spec) {
  auto p = split(spec, ':');
  if (p.size() < 4 || p.size() > 7 || p[0].empty() || p[1].empty() || p[2].empty())
    fail(kUsage,
         "--total takes SOURCE:DEVICE:UNIT:QUANTITY[:READINGS[:GAPS[:SUBSTITUTED]]], not '" + spec +
             "'");
  return {{"source", p[0]},
          {"device", p[1]},
          {"unit", p[2]},
          {"quantity", std::to_string(milli(p[3]))},
          {"readings", p.size() > 4 ? count(p[4]) : 0},
          {"gaps", p.size() > 5 ? count(p[5]) : 0},
          {"substituted", p.size() > 6 ? count(p[6]) : 0}};
}

// --source SOURCE[:FUEL]: a fuel makes it scope 1, none scope 2 (purchased electricity).
Json source_of(const std::string& spec, uint32_t tier, const std::string& version) {
  auto p = split(spec, ':');
  if (p.size() > 2 || p[0].empty() || (p.size() == 2 && p[1].empty()))
    fail(kUsage, "--source takes SOURCE[:FUEL], not '" + spec + "'");
  Json s = {{"source", p[0]},
            {"scope", p.size() == 2 ? 1 : 2},
            {"method", "calculation"},
            {"tier", tier},
            {"factor_version", version}};
  if (p.size() == 2) s["fuel"] = p[1];
  return s;
}

// The factor version of the plan in force at `installation`, when every source shares one.
std::string plan_version(const std::string& installation, const TxOpts& o) {
  ReadOpts r;
  r.key = o.keys.front();
  Json inst = get_view("/v1/mrv/installations/" + installation, r);
  std::string v;
  if (inst.contains("plan") && inst["plan"].is_object())
    for (const auto& s : inst["plan"].value("sources", Json::array())) {
      std::string sv = s.value("factor_version", "");
      if (!v.empty() && sv != v)
        fail(kUsage, "the plan's sources use several factor versions: give --factor-version");
      v = sv;
    }
  if (v.empty()) fail(kUsage, installation + " has no approved plan: give --factor-version");
  return v;
}

}  // namespace

void add_mrv_tx(CLI::App* mrv) {
  const char* co = "a company account (or the edge's)";

  // ---- factors publish ----
  CLI::App* factors = mrv->get_subcommand("factors");
  static TxOpts fp_o;
  static std::string fp_file;
  auto* fp = factors->add_subcommand(
      "publish", "Regulator: publish a new emission factor set version (mrv.factors.publish)");
  fp->add_option("file", fp_file,
                 "JSON {version, valid_from?, source?, fuels: {...}, grid: [...], gwp: {ch4, "
                 "n2o}} (docs/MRV.md), or -")
      ->required();
  add_tx_options(fp, fp_o, "the regulator's officer");
  fp->callback([] { send_tx(fp_o, "mrv.factors.publish", body_from(fp_file)); });

  // ---- device register | calibrate | retire ----
  CLI::App* device = mrv->get_subcommand("device");
  static TxOpts dr_o;
  static std::string dr_device, dr_key, dr_inst, dr_source, dr_quantity, dr_unit, dr_fuel;
  static uint32_t dr_scope = 0;
  auto* dr = device->add_subcommand(
      "register",
      "Company (or regulator): register a meter with its own key to an installation's emission "
      "source (mrv.device.register)");
  dr->add_option("--device", dr_device, "Device id (never reused)")->required();
  dr->add_option("--device-key", dr_key,
                 "The meter's public key \"ed25519:<hex>\", or its key file (tanso keygen)")
      ->required();
  dr->add_option("--installation", dr_inst, "Installation id (of the company's designation)")
      ->required();
  dr->add_option("--source", dr_source, "Emission source id of the monitoring plan")->required();
  dr->add_option("--quantity", dr_quantity, "natural_gas_volume | electricity | fuel_mass")
      ->required();
  dr->add_option("--unit", dr_unit, "Nm3 (gas volume), kWh | MWh (electricity), kg | t (fuel)")
      ->required();
  dr->add_option("--fuel", dr_fuel, "Fuel id of the factor set (scope 1; e.g. natural_gas)");
  dr->add_option("--scope", dr_scope, "1 or 2 (default: 2 for electricity, else 1)");
  add_tx_options(dr, dr_o, co);
  dr->callback([] {
    uint32_t scope = dr_scope ? dr_scope : (dr_quantity == "electricity" ? 2 : 1);
    Json b = {{"device", dr_device}, {"key", device_pub(dr_key)}, {"installation", dr_inst},
              {"source", dr_source}, {"quantity", dr_quantity},   {"unit", dr_unit},
              {"scope", scope}};
    set_if(b, "fuel", dr_fuel);
    send_tx(dr_o, "mrv.device.register", b);
  });

  static TxOpts dc_o;
  static std::string dc_device, dc_tech, dc_cert, dc_on, dc_exp;
  auto* dc = device->add_subcommand(
      "calibrate",
      "Verifier: record a meter's calibration by an accredited body; readings count only on "
      "days a calibration covers (mrv.device.calibrate)");
  dc->add_option("--device", dc_device, "Device id")->required();
  dc->add_option("--technician", dc_tech, "Who calibrated it (free text)")->required();
  dc->add_option("--certificate", dc_cert, "Calibration certificate id")->required();
  dc->add_option("--calibrated-on", dc_on, "First valid day, YYYY-MM-DD")->required();
  dc->add_option("--expires-on", dc_exp, "Last valid day, YYYY-MM-DD")->required();
  add_tx_options(dc, dc_o, "the verifier");
  dc->callback([] {
    send_tx(dc_o, "mrv.device.calibrate",
            {{"device", dc_device},
             {"technician", dc_tech},
             {"certificate", dc_cert},
             {"calibrated_on", dc_on},
             {"expires_on", dc_exp}});
  });

  static TxOpts dt_o;
  static std::string dt_device, dt_on, dt_reason;
  auto* dt = device->add_subcommand(
      "retire", "Company (or regulator): retire a meter from a day on (mrv.device.retire)");
  dt->add_option("--device", dt_device, "Device id")->required();
  dt->add_option("--retired-on", dt_on, "Retirement day, YYYY-MM-DD")->required();
  dt->add_option("--reason", dt_reason, "Why (free text)");
  add_tx_options(dt, dt_o, co);
  dt->callback([] {
    Json b = {{"device", dt_device}, {"retired_on", dt_on}};
    set_if(b, "reason", dt_reason);
    send_tx(dt_o, "mrv.device.retire", b);
  });

  // ---- plan set | approve ----
  CLI::App* plan = mrv->get_subcommand("plan");
  static TxOpts ps_o;
  static std::string ps_file, ps_inst, ps_version = "latest";
  static std::vector<std::string> ps_sources;
  static uint32_t ps_tier = 3;
  auto* ps = plan->add_subcommand(
      "set",
      "Company: propose an installation's monitoring plan; it waits for the regulator's "
      "approval (mrv.plan.set)");
  ps->add_option("--file", ps_file,
                 "JSON body {installation, sources: [{source, scope, fuel?, method, tier, "
                 "factor_version}]}; flags set or replace its fields");
  ps->add_option("--installation", ps_inst, "Installation id");
  ps->add_option("--source", ps_sources,
                 "A source SOURCE[:FUEL] (with a fuel: scope 1; without: scope 2, electricity); "
                 "repeat for each")
      ->allow_extra_args(false);
  ps->add_option("--tier", ps_tier, "Tier of the --source entries (1-4)")->capture_default_str();
  ps->add_option("--factor-version", ps_version, "Factor set of the --source entries")
      ->capture_default_str();
  add_tx_options(ps, ps_o, co);
  ps->callback([] {
    Json b = body_from(ps_file);
    set_if(b, "installation", ps_inst);
    if (!ps_sources.empty()) {
      b["sources"] = Json::array();
      for (const auto& s : ps_sources) b["sources"].push_back(source_of(s, ps_tier, ps_version));
    }
    need(b, {"installation", "sources"}, "plan set");
    send_tx(ps_o, "mrv.plan.set", b);
  });

  static TxOpts pa_o;
  static std::string pa_inst;
  static uint32_t pa_rev = 0;
  auto* pa = plan->add_subcommand(
      "approve",
      "Regulator: approve the pending monitoring plan of an installation, by its revision "
      "(mrv.plan.approve; see it with tanso mrv installation)");
  pa->add_option("--installation", pa_inst, "Installation id")->required();
  pa->add_option("--revision", pa_rev, "The pending plan's revision")->required();
  add_tx_options(pa, pa_o, "the regulator's officer");
  pa->callback([] {
    send_tx(pa_o, "mrv.plan.approve", {{"installation", pa_inst}, {"revision", pa_rev}});
  });

  // ---- batch submit ----
  CLI::App* batch = mrv->get_subcommand("batch");
  static TxOpts bs_o;
  static std::string bs_file, bs_id, bs_inst, bs_day, bs_root, bs_version;
  static std::vector<std::string> bs_totals;
  auto* bs = batch->add_subcommand(
      "submit",
      "Company (its edge account): submit an installation's daily totals per source and device "
      "with the Merkle root of the raw readings (mrv.batch.submit). Resubmitting the same batch "
      "id with the same body is a harmless retry");
  bs->add_option("--file", bs_file,
                 "JSON body {batch_id, installation, day, merkle_root, factor_version, totals: "
                 "[{source, device, unit, quantity (thousandths), readings, gaps, "
                 "substituted}]}; flags set or replace its fields");
  bs->add_option("--batch-id", bs_id, "Batch id (e.g. <installation>.<day>.1)");
  bs->add_option("--installation", bs_inst, "Installation id");
  bs->add_option("--day", bs_day, "Day of the readings, YYYY-MM-DD");
  bs->add_option("--merkle-root", bs_root, "RFC 6962 root of the day's raw readings, 64 hex");
  bs->add_option("--factor-version", bs_version,
                 "Factor set version (default: the installation's approved plan's)");
  bs->add_option("--total", bs_totals,
                 "A total SOURCE:DEVICE:UNIT:QUANTITY[:READINGS[:GAPS[:SUBSTITUTED]]], QUANTITY "
                 "in the unit with up to 3 decimals (e.g. natural_gas:pohang.gas-1:Nm3:10000); "
                 "repeat for each")
      ->allow_extra_args(false);
  add_tx_options(bs, bs_o, co);
  bs->callback([] {
    Json b = body_from(bs_file);
    set_if(b, "batch_id", bs_id);
    set_if(b, "installation", bs_inst);
    set_if(b, "day", bs_day);
    set_if(b, "merkle_root", bs_root);
    set_if(b, "factor_version", bs_version);
    if (!bs_totals.empty()) {
      b["totals"] = Json::array();
      for (const auto& t : bs_totals) b["totals"].push_back(total_of(t));
    }
    need(b, {"batch_id", "installation", "day", "merkle_root", "totals"}, "batch submit");
    if (!b.contains("factor_version") && b["installation"].is_string())
      b["factor_version"] = plan_version(b["installation"].get<std::string>(), bs_o);
    send_tx(bs_o, "mrv.batch.submit", b);
  });
}

}  // namespace tanso::cli
