// tanso mrv: the `mrv` command group, and its reports (GET /v1/mrv/..., docs/API.md "MRV"):
// factors list|show, installation, device show, batch show, daily. The tx commands are in
// cmd_mrv_tx.cpp, the annual statements (draft, submit, attest, certify, show, pending) in
// cmd_mrv_statement.cpp. Company data is a signed read (-k): the company's own keys (its edge
// account's included), a regulator officer's or a verifier's.
#include <iostream>

#include "cli.h"
#include "cmd_common.h"

namespace tanso::cli {

namespace {

const char* kWho = " (the company's, its edge's, an officer's or a verifier's)";

void need_date(const std::string& d, const char* what) {
  bool ok = d.size() == 10 && d[4] == '-' && d[7] == '-';
  for (size_t i = 0; i < d.size() && ok; ++i)
    if (i != 4 && i != 7) ok = d[i] >= '0' && d[i] <= '9';
  if (!ok) fail(kUsage, std::string(what) + " must be a date YYYY-MM-DD, not '" + d + "'");
}

void need_year(uint32_t y) {
  if (y < 2000 || y > 2200) fail(kUsage, "--year must be a year from 2000 to 2200");
}

// A company report for a year: the company positional, or the key file's account.
std::string company_target(const std::string& company, const ReadOpts& r, uint32_t year,
                           const char* view) {
  need_year(year);
  return "/v1/mrv/companies/" + company_or_key(company, r.key) + "/" + view +
         "?year=" + std::to_string(year);
}

void print_device_rows(const Json& devices) {
  Json rows = Json::array();
  for (const auto& d : devices) {
    Json r = d;
    const Json cals = d.value("calibrations", Json::array());
    r["calibrated"] = cals.empty() ? Json("-")
                                   : Json(cals.back().value("calibrated_on", "") + ".." +
                                          cals.back().value("expires_on", ""));
    rows.push_back(r);
  }
  print_rows(rows, {"device", "source", "quantity", "unit", "fuel", "scope", "calibrated",
                    "retired_on", "key"});
}

}  // namespace

void add_mrv(CLI::App& app) {
  CLI::App* mrv = app.add_subcommand(
      "mrv",
      "MRV: emission factor sets, meters and their calibrations, monitoring plans, daily "
      "batches, the daily emissions computed from them, and the annual statements (draft, "
      "submission, verification, certification)");
  mrv->require_subcommand(1);
  CLI::App* factors = mrv->add_subcommand("factors", "Emission factor sets: publish, list, show");
  factors->require_subcommand(1);
  CLI::App* device = mrv->add_subcommand("device", "Meters: register, calibrate, retire, show");
  device->require_subcommand(1);
  CLI::App* plan =
      mrv->add_subcommand("plan", "Monitoring plans: set (company), approve (regulator)");
  plan->require_subcommand(1);
  CLI::App* batch = mrv->add_subcommand("batch", "Daily batches: submit, show");
  batch->require_subcommand(1);
  add_mrv_tx(mrv);
  add_mrv_statements(mrv);

  static ReadOpts fl_r;
  auto* fl = factors->add_subcommand(
      "list", "Every factor set version, the built-in default included (GET /v1/mrv/factors)");
  add_read_options(fl, fl_r, " (optional: public)");
  fl->callback([] {
    Json j = get_view("/v1/mrv/factors", fl_r);
    if (fl_r.json) return print_json(j);
    std::cout << "latest  " << cell(j["latest"]) << "\n\n";
    print_rows(j.value("factor_sets", Json::array()),
               {"version", "origin", "latest", "valid_from", "published_height", "source"});
  });

  static ReadOpts fs_r;
  static std::string fs_version = "latest";
  auto* fs = factors->add_subcommand(
      "show", "One factor set: fuels, grid factors, GWPs (GET /v1/mrv/factors/{version})");
  fs->add_option("version", fs_version, "Version, or latest")->capture_default_str();
  add_read_options(fs, fs_r, " (optional: public)");
  fs->callback([] { print_json(get_view("/v1/mrv/factors/" + fs_version, fs_r)); });

  static ReadOpts in_r;
  static std::string in_id;
  auto* in = mrv->add_subcommand(
      "installation",
      "An installation's meters (with their keys and calibrations), the plan in force and the "
      "pending plan (GET /v1/mrv/installations/{installation})");
  in->add_option("installation", in_id, "Installation id")->required();
  add_read_options(in, in_r, kWho);
  in->callback([] {
    Json j = get_view("/v1/mrv/installations/" + in_id, in_r);
    if (in_r.json) return print_json(j);
    std::cout << "installation  " << cell(j["installation"]) << "\ncompany       "
              << cell(j["company"]) << "\n";
    for (const char* which : {"plan", "pending"}) {
      const Json& p = j[which];
      std::cout << which << (std::string_view(which) == "plan" ? "          " : "       ");
      if (!p.is_object()) {
        std::cout << "-\n";
        continue;
      }
      std::cout << "revision " << cell(p["revision"]) << ", sources:";
      for (const auto& s : p.value("sources", Json::array()))
        std::cout << " " << cell(s["source"]) << " (scope " << cell(s["scope"]) << ", "
                  << cell(s["factor_version"]) << ")";
      std::cout << "\n";
    }
    std::cout << "\n";
    print_device_rows(j.value("devices", Json::array()));
  });

  static ReadOpts ds_r;
  static std::string ds_id, ds_day;
  auto* ds = device->add_subcommand(
      "show",
      "A meter's record and calibrations; with --day, its calibration status that day (GET "
      "/v1/mrv/devices/{device})");
  ds->add_option("device", ds_id, "Device id")->required();
  ds->add_option("--day", ds_day, "Day for the calibration status, YYYY-MM-DD");
  add_read_options(ds, ds_r, kWho);
  ds->callback([] {
    if (!ds_day.empty()) need_date(ds_day, "--day");
    Json j = get_view("/v1/mrv/devices/" + ds_id + (ds_day.empty() ? "" : "?day=" + ds_day), ds_r);
    if (ds_r.json) return print_json(j);
    Json head = j;
    head.erase("calibrations");
    print_fields(head);
    std::cout << "\n";
    print_rows(j.value("calibrations", Json::array()),
               {"calibrated_on", "expires_on", "certificate", "technician", "by", "height"});
  });

  static ReadOpts bs_r;
  static std::string bs_id;
  auto* bs = batch->add_subcommand(
      "show", "An accepted batch and its per-source results (GET /v1/mrv/batches/{batch_id})");
  bs->add_option("batch_id", bs_id, "Batch id")->required();
  add_read_options(bs, bs_r, kWho);
  bs->callback([] { print_json(get_view("/v1/mrv/batches/" + bs_id, bs_r)); });

  static ReadOpts dy_r;
  static std::string dy_co;
  static uint32_t dy_year = 0;
  auto* dy = mrv->add_subcommand("daily",
                                 "A company's CO2e per day of a year, the days with data only (GET "
                                 "/v1/mrv/companies/{company}/daily)");
  dy->add_option("company", dy_co, "Company account (default: the key file's company)");
  dy->add_option("--year", dy_year, "Year")->required();
  add_read_options(dy, dy_r, kWho);
  dy->callback([] {
    Json j = get_view(company_target(dy_co, dy_r, dy_year, "daily"), dy_r);
    if (dy_r.json) return print_json(j);
    Json rows = Json::array();
    for (const auto& d : j.value("days", Json::array()))
      rows.push_back(
          {{"day", d["day"]}, {"co2e_g", d["co2e_g"]}, {"sources", d["sources"].size()}});
    print_rows(rows, {"day", "co2e_g", "sources"});
    std::cout << "\ntotal_co2e_g  " << cell(j["total_co2e_g"]) << "\n";
  });
}

}  // namespace tanso::cli
