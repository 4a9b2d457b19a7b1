// MRV monitoring plans: mrv.plan.set (the company proposes) and mrv.plan.approve (the regulator
// approves) (core/mrv_registry.h). Batches are checked against the approved plan in force.
#include <set>

#include "core/limits.h"
#include "core/mrv_factors.h"
#include "core/mrv_registry.h"

namespace tanso::mrv {

namespace {

constexpr size_t kSourcesMax = 256;
constexpr uint64_t kTierMax = 4;

std::string plan_key(std::string_view inst) { return "mrv/plan/" + std::string(inst); }
std::string pending_key(std::string_view inst) { return "mrv/plan_pending/" + std::string(inst); }

}  // namespace

// mrv.plan.set {installation, sources: [{source: id, scope: 1|2, fuel?: fuel id (scope 1 only,
// required there), method: "calculation", tier: 1-4, factor_version: a factor-set version or
// "latest" (recorded as the concrete version)}]}: 1-256 sources, each listed once.
Status plan_set_check(const Json& b) {
  constexpr std::string_view t = "mrv.plan.set";
  Fields f(b, t);
  if (auto s = f.only({"installation", "sources"}); !s) return s;
  if (auto s = f.id("installation"); !s) return s.error();
  if (!b.contains("sources") || !b["sources"].is_array() || b["sources"].empty() ||
      b["sources"].size() > kSourcesMax)
    return malformed(t, "sources must be a list of 1 to 256 sources");
  std::set<std::string> seen;
  for (const auto& s : b["sources"]) {
    constexpr std::string_view ts = "mrv.plan.set source";
    if (!s.is_object())
      return malformed(t, "a source is {source, scope, fuel?, method, tier, factor_version}");
    Fields fs(s, ts);
    if (auto r = fs.only({"source", "scope", "fuel", "method", "tier", "factor_version"}); !r)
      return r;
    auto id = fs.id("source");
    if (!id) return id.error();
    if (!seen.insert(*id).second) return malformed(t, "source '" + *id + "' listed twice");
    auto scope = scope_field(s, ts);
    if (!scope) return scope.error();
    if (*scope == 1) {
      if (!s.contains("fuel") || !s["fuel"].is_string() ||
          !valid_fuel_id(s["fuel"].get_ref<const std::string&>()))
        return malformed(t, "source '" + *id + "': fuel is required for scope 1");
    } else if (s.contains("fuel")) {
      return malformed(t, "source '" + *id + "': fuel is for scope 1 sources only");
    }
    if (!s.contains("method") || s["method"] != "calculation")
      return malformed(t, "source '" + *id +
                              "': method must be \"calculation\" (measurement-based methods "
                              "are not supported yet)");
    if (auto r = fs.u64("tier", 1, kTierMax); !r) return r.error();
    if (auto r = fs.id("factor_version"); !r) return r.error();
  }
  return ok_status();
}

// Rules: the installation has an owner (mrv.unknown_installation, mrv.installation_ambiguous)
// for whom the sender acts (mrv.not_owner); every factor version exists
// (mrv.unknown_factor_version) and has the source's fuel (mrv.unknown_fuel). The plan is stored
// as pending with revision = the previous highest + 1, replacing any earlier pending plan; the
// approved plan stays in force until this one is approved.
Status plan_set_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string inst = b["installation"].get<std::string>();
  auto owner = installation_owner(env.st, inst);
  if (!owner) return owner.error();
  if (auto s = may_act_for(env.st, env, *owner, false); !s) return s;
  Json sources = Json::array();
  for (const auto& s : b["sources"]) {
    auto fs = load_factor_set(env.st, s["factor_version"].get<std::string>());
    if (!fs) return fs.error();
    Json row = {{"source", s["source"]},
                {"scope", *json_u64(s["scope"])},
                {"fuel", s.contains("fuel") ? s["fuel"] : Json(nullptr)},
                {"method", "calculation"},
                {"tier", *json_u64(s["tier"])},
                {"factor_version", fs->version}};
    if (s.contains("fuel") && !fs->fuels.contains(s["fuel"].get<std::string>()))
      return err("mrv.unknown_fuel",
                 "source '" + s["source"].get<std::string>() + "': fuel '" +
                     s["fuel"].get<std::string>() + "' is not in factor set " + fs->version,
                 404);
    sources.push_back(std::move(row));
  }
  uint64_t rev = 0;
  if (auto cur = get_json(env.st, plan_key(inst))) rev = (*cur)["revision"].get<uint64_t>();
  if (auto pend = get_json(env.st, pending_key(inst)))
    rev = std::max(rev, (*pend)["revision"].get<uint64_t>());
  bind_installation(env.st, inst, *owner);
  Json rec = {{"installation", inst},          {"company", *owner},
              {"revision", rev + 1},           {"sources", sources},
              {"set_by", env.tx.payload.from}, {"set_height", env.height}};
  env.st.put(pending_key(inst), rec.dump());
  env.touch(*owner);
  return ok_status();
}

// mrv.plan.approve {installation, revision}: the regulator (the competent authority: K-ETS and
// the EU MRR both have the authority approve monitoring plans; a network that delegates it to
// verifiers adds "verifier" with governance.permissions.set) approves the pending plan. The
// revision must be the pending one's, so a plan replaced after review is never approved unseen.
Status plan_approve_check(const Json& b) {
  Fields f(b, "mrv.plan.approve");
  if (auto s = f.only({"installation", "revision"}); !s) return s;
  if (auto s = f.id("installation"); !s) return s.error();
  if (auto s = f.u64("revision", 1, limits::amount_max); !s) return s.error();
  return ok_status();
}

// Rules: a pending plan exists (mrv.no_pending_plan) with this revision
// (mrv.plan_revision_mismatch). The pending plan becomes the plan in force.
Status plan_approve_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  std::string inst = b["installation"].get<std::string>();
  auto pend = get_json(env.st, pending_key(inst));
  if (!pend)
    return err("mrv.no_pending_plan",
               "installation '" + inst + "' has no monitoring plan waiting for approval", 404);
  uint64_t rev = *json_u64(b["revision"]);
  if ((*pend)["revision"].get<uint64_t>() != rev)
    return err("mrv.plan_revision_mismatch",
               "the pending plan of '" + inst + "' is revision " +
                   std::to_string((*pend)["revision"].get<uint64_t>()) + ", not " +
                   std::to_string(rev),
               409);
  (*pend)["approved_by"] = env.tx.payload.from;
  (*pend)["approved_height"] = env.height;
  env.st.put(plan_key(inst), pend->dump());
  env.st.erase(pending_key(inst));
  env.touch((*pend)["company"].get<std::string>());
  return ok_status();
}

}  // namespace tanso::mrv
