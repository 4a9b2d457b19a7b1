// The MRV registry on the ledger (docs/DOMAIN.md §1, docs/MRV.md "Device registry, monitoring
// plans and daily batches"): metering devices and their calibrations, the monitoring plan of each
// installation, the daily batches an edge gateway submits, the emissions the node computes from
// them (core/mrv_calc.h, with the factor set of core/mrv_factors.h) and the running totals the
// views read. Pure and deterministic: no I/O, no clock (the block's time is the only time),
// integers only. Files: mrv_registry_common.cpp (installations, dates, records),
// mrv_devices.cpp, mrv_plans.cpp, mrv_batches.cpp, mrv_views.cpp.
//
// Transactions (who may send them: core/executor.cpp default_permissions):
//   mrv.device.register {device, key, installation, source, quantity, unit, fuel?, scope}
//       the installation's company (any account of its org) or the regulator
//   mrv.device.calibrate {device, technician, certificate, calibrated_on, expires_on}
//       a verifier (the accredited calibration body; `technician` names the person)
//   mrv.device.retire {device, retired_on, reason?}       the company or the regulator
//   mrv.plan.set {installation, sources: [{source, scope, fuel?, method, tier, factor_version}]}
//       the installation's company; the plan waits for approval
//   mrv.plan.approve {installation, revision}             the regulator
//   mrv.batch.submit {batch_id, installation, day, interval_min?, slot?, merkle_root,
//                     factor_version,
//                     totals: [{source, device, unit, quantity, readings, gaps, substituted}]}
//       the installation's company (any account of its org: the edge's own account)
// Field formats, rules and codes: the comment above each handler and docs/MRV.md.
//
// Installations belong to the company whose ETS designation lists them (ets.designate). The
// first MRV record of an installation binds it to that company for good (mrv/inst/<id>).
//
// Key space (amounts are decimal strings; dates YYYY-MM-DD; grams of CO2e unless noted):
//   mrv/inst/<installation>              {installation, company, devices: [id...]}
//   mrv/device/<device>                  the device record (JSON: device, key, installation,
//                                        company, source, quantity, unit, fuel|null, scope,
//                                        registered_by, height, calibrations: [{technician,
//                                        certificate, calibrated_on, expires_on, by, height}],
//                                        retired_on|null, retired_by?, retire_reason?)
//   mrv/devkey/<64 hex>                  the device that holds this public key (never reused)
//   mrv/plan/<installation>              the approved plan in force (JSON: installation,
//                                        company, revision, sources, set_by, set_height,
//                                        approved_by, approved_height)
//   mrv/plan_pending/<installation>      a plan waiting for approval (installation, company,
//                                        revision, sources, set_by, set_height)
//   mrv/batch/<batch_id>                 {batch_id, body (as submitted), company, submitted_by,
//                                        height, sources: [per-source results], totals}
//   mrv/day/<installation>/<source>/<day> {interval_min, co2e_g, slots: {"<slot>": {batch,
//                                        factor_version, co2e_g, excluded_devices}}}: the
//                                        batches that reported the source for the day (each
//                                        slot once; one interval length per source and day)
//   mrv/daily/<company>/<day>            {"<installation>/<source>": {scope, co2e_g}} (chart)
//   mrv/annual/<company>/<year>          the statement draft's rows, per installation/source
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/module.h"
#include "core/state.h"

namespace tanso {

// ---- dates (YYYY-MM-DD, proleptic Gregorian) ----

// A real calendar date in 2000..2200, exactly "YYYY-MM-DD". ISO dates compare as strings.
bool valid_mrv_date(std::string_view s);
// The UTC date of a block time (ms since the epoch).
std::string date_of_ms(uint64_t time_ms);

// ---- calibration ----

struct Calibration {
  std::string technician;
  std::string certificate;
  std::string calibrated_on;  // first valid day
  std::string expires_on;     // last valid day
};

enum class CalibrationStatus { valid, expired, never };
std::string_view calibration_status_name(CalibrationStatus s);  // "valid" / "expired" / "never"

// The status of a device on `day`: valid if a calibration covers the day (calibrated_on <= day
// <= expires_on); expired if none does but one started on or before it (it lapsed); never if no
// calibration had started by that day.
CalibrationStatus calibration_status(std::span<const Calibration> calibrations,
                                     std::string_view day);
// The calibrations of a stored device record (its "calibrations" array).
std::vector<Calibration> calibrations_of(const Json& device_record);

// ---- transactions ----

// mrv.device.register, mrv.device.calibrate, mrv.device.retire, mrv.plan.set, mrv.plan.approve,
// mrv.batch.submit.
std::span<const TxHandler> mrv_registry_handlers();

// ---- views (mrv_views.cpp): read-only JSON for the API ----

// The device record plus, with `day`, {"status_on": day, "calibration_status": ...}.
// Errors: mrv.unknown_device (404); tx.malformed for an invalid day.
Result<Json> mrv_device(const StateReader& st, std::string_view device,
                        std::optional<std::string_view> day = std::nullopt);
// {installation, company, devices: [records], plan: approved|null, pending: plan|null}.
// Error: mrv.unknown_installation (404: no MRV record yet).
Result<Json> mrv_installation(const StateReader& st, std::string_view installation);
// The stored batch. Error: mrv.unknown_batch (404).
Result<Json> mrv_batch(const StateReader& st, std::string_view batch_id);
// The chart: {company, year, days: [{day, co2e_g, sources: [{installation, source, scope,
// co2e_g}]}], total_co2e_g} with only the days that have a batch, in order.
Result<Json> mrv_daily_emissions(const StateReader& st, std::string_view company, uint32_t year);
// The annual statement draft: {company, year, status: "draft", rows: [{installation, source,
// scope, fuel, activity: {unit: milli}, co2_g, ch4_g, n2o_g, co2e_g, factor_versions, days,
// readings, gaps, substituted, excluded: {device_days, activity}}], by_scope, by_fuel,
// total_co2e_g, total_co2e_t}. A company with no batch for the year gets empty rows.
Result<Json> mrv_statement_draft(const StateReader& st, std::string_view company, uint32_t year);

// ---- internals shared by the mrv_*.cpp registry files (not for other modules) ----
namespace mrv {

Error malformed(std::string_view type, const std::string& what);
// A required date field.
Result<std::string> date_field(const Json& body, std::string_view type, std::string_view key);
// A required small enumerated/decimal field: scope 1 or 2.
Result<uint32_t> scope_field(const Json& body, std::string_view type);
// Fuel ids as in factor sets: 1-32 of [a-z0-9_].
bool valid_fuel_id(std::string_view s);

std::string inst_key(std::string_view installation);
std::string device_key(std::string_view device);
std::optional<Json> get_json(const StateReader& st, const std::string& key);

// The company that owns the installation: its binding, else the one designated company whose
// ETS designation lists it. Errors: mrv.unknown_installation (404), mrv.installation_ambiguous.
Result<std::string> installation_owner(const StateReader& st, std::string_view installation);
// The sender may act for the company: an account of the company's org, or (when `regulator_ok`)
// a regulator. Error: mrv.not_owner.
Status may_act_for(const StateReader& st, const TxEnv& env, const std::string& company,
                   bool regulator_ok);
// Binds the installation to its company (first record) and returns its record.
Json bind_installation(Overlay& st, std::string_view installation, const std::string& company);

// The date of the block, and the "not in the future" rule (the day must not be after the
// block's UTC date + 1, which leaves room for time zones ahead of UTC). Error: mrv.future_date.
Status not_future(const TxEnv& env, std::string_view what, const std::string& day);

// Decimal string amounts in stored records.
uint64_t amount_of(const Json& j, std::string_view key);  // absent = 0
// Adds to j[key] (decimal string); false if the sum exceeds limits::amount_max.
bool add_amount(Json& j, std::string_view key, uint64_t v);

Status device_register_check(const Json& b);
Status device_register_apply(TxEnv& env);
Status device_calibrate_check(const Json& b);
Status device_calibrate_apply(TxEnv& env);
Status device_retire_check(const Json& b);
Status device_retire_apply(TxEnv& env);
Status plan_set_check(const Json& b);
Status plan_set_apply(TxEnv& env);
Status plan_approve_check(const Json& b);
Status plan_approve_apply(TxEnv& env);
Status batch_submit_check(const Json& b);
Status batch_submit_apply(TxEnv& env);

}  // namespace mrv
}  // namespace tanso
