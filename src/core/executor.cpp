// Block execution and genesis.
#include "core/executor.h"

#include "core/ets.h"
#include "core/holdings.h"
#include "core/identity.h"
#include "core/merkle.h"
#include "core/network.h"

namespace tanso {

static Params load_params(const StateReader& st) {
  return *Params::from_json(Json::parse(*st.get("meta/params")));
}

BlockOutput execute_block(const State& st, const Hash& prev_state_root, uint64_t height,
                          uint64_t time_ms, std::span<const Tx* const> txs, bool verify_sigs) {
  BlockOutput out;
  Overlay block(st);
  Params params = load_params(st);
  std::vector<Hash> tx_leaves, receipt_leaves;
  tx_leaves.reserve(txs.size());
  receipt_leaves.reserve(txs.size());
  for (const Tx* tx : txs) {
    Receipt r;
    r.tx_id = tx->id;
    Account sender;
    Status s = check_tx(block, params, *tx, height, last_nonce(block, tx->payload.from), &sender);
    if (s && verify_sigs && !verify_signatures(*tx))
      s = err("tx.bad_signature", "a signature does not verify", 401);
    if (s) {
      block.put("nonce/" + tx->payload.from, u64_text(tx->payload.nonce));
      r.accounts.push_back(tx->payload.from);
      const TxHandler* h = find_handler(tx->payload.type);
      s = h->check(tx->payload.body);
      if (s) {
        Overlay txo(static_cast<const StateReader&>(block));  // stacked on block, not a copy
        TxEnv env{txo, *tx, params, height, time_ms, sender.role, r.accounts};
        s = h->apply(env);
        if (s) {
          txo.merge_into(block);
          if (env.params_changed) params = load_params(block);
        }
      }
    }
    if (!s) {
      r.code = s.error().code;
      r.message = s.error().message;
    }
    tx_leaves.push_back(merkle::leaf_hash(tx->id));
    receipt_leaves.push_back(merkle::leaf_hash(receipt_bytes(r)));
    out.receipts.push_back(std::move(r));
  }
  out.writes = block.take();
  out.tx_root = merkle::root(tx_leaves);
  out.receipts_root = merkle::root(receipt_leaves);
  out.state_root = next_state_root(prev_state_root, out.writes);
  return out;
}

std::map<std::string, std::set<std::string>, std::less<>> default_permissions() {
  const std::set<std::string> any = {"*"};
  const std::set<std::string> regulator = {"regulator"};
  const std::set<std::string> company = {"company"};
  const std::set<std::string> bank = {"bank"};
  const std::set<std::string> exchange = {"exchange"};
  // Market participants: covered companies, and the financial institutions and municipalities
  // that trade allowances and credits (market makers, offset project owners).
  const std::set<std::string> traders = {"company", "bank", "municipality", "exchange"};

  const std::set<std::string> holders = {"regulator",    "company",    "verifier", "certifier",
                                         "municipality", "exchange",   "bank",     "citizen",
                                         "merchant",     "focal_point"};
  return {
      {"identity.org.register", regulator},
      {"identity.account.create", regulator},
      {"identity.key.rotate", any},
      {"identity.key.revoke", any},
      {"identity.policy.set", any},
      {"governance.permissions.set", regulator},
      {"instrument.create", {"regulator", "certifier", "bank", "municipality", "exchange"}},
      {"holdings.issue", {"regulator", "certifier", "bank", "municipality", "exchange"}},
      {"holdings.transfer", holders},
      {"holdings.burn", holders},
      // K-ETS (core/ets.h): the regulator runs the registry; covered companies comply.
      {"ets.params.set", regulator},
      {"ets.plan.set", regulator},
      {"ets.designate", regulator},
      {"ets.undesignate", regulator},
      {"ets.allocation.order", regulator},
      {"ets.kcu.issue", regulator},
      {"ets.emissions.certify", regulator},
      {"ets.price.set", regulator},
      {"ets.compliance.settle", regulator},
      {"ets.surrender", company},
      {"ets.bank", company},
      {"ets.borrow", company},
      {"ets.position.project", company},
      // MRV (core/mrv_factors.h): the regulator publishes emission factor sets.
      {"mrv.factors.publish", regulator},
      // MRV registry (core/mrv_registry.h): companies register their meters and plans and
      // submit daily batches; accredited verifiers record calibrations; the regulator approves
      // plans (and may register or retire a device for a company).
      {"mrv.device.register", {"company", "regulator"}},
      {"mrv.device.calibrate", {"verifier"}},
      {"mrv.device.retire", {"company", "regulator"}},
      {"mrv.plan.set", company},
      {"mrv.plan.approve", regulator},
      {"mrv.batch.submit", company},
      // MRV statements (core/mrv_statements.h): the company submits its annual statement, an
      // accredited verifier of another org attests it, the regulator certifies it.
      {"mrv.statement.submit", company},
      {"mrv.statement.attest", {"verifier"}},
      {"mrv.statement.certify", regulator},
      // Cash (core/cash.h): the settlement bank issues and burns; any holder asks to withdraw.
      {"cash.deposit", bank},
      {"cash.withdraw", bank},
      {"cash.withdraw.reject", bank},
      {"cash.withdraw.request", holders},
      {"cash.withdraw.cancel", holders},
      // Market (core/market.h): the exchange lists markets and runs sessions; participants
      // trade; the regulator runs government auctions.
      {"market.create", exchange},
      {"market.session.advance", {"exchange", "regulator"}},
      {"market.order.place", traders},
      {"market.order.cancel", traders},
      {"market.order.amend", traders},
      {"market.otc.propose", traders},
      {"market.otc.accept", traders},
      {"market.otc.cancel", traders},
      {"market.auction.open", regulator},
      {"market.auction.bid", traders},
      {"market.auction.reveal", traders},
      {"market.auction.settle", regulator},
      {"market.surveillance.set", regulator},
      // Private data (core/private_data.h): any organization's account commits a document.
      {"private.commit", holders},
  };
}

static Error bad_genesis(const std::string& m) { return err("genesis.invalid", m); }

// A genesis entry is applied through the same handlers as a tx, so it obeys the same rules.
static Status apply_as(Overlay& st, const Params& p, const std::string& type,
                       const std::string& from, const std::string& role, const Json& body,
                       uint64_t time_ms = 0) {
  Tx tx;
  tx.payload.type = type;
  tx.payload.from = from;
  tx.payload.body = body;
  const TxHandler* h = find_handler(type);
  if (auto s = h->check(body); !s) return s;
  std::vector<std::string> touched;
  TxEnv env{st, tx, p, 0, time_ms, role, touched};
  return h->apply(env);
}

Result<Genesis> apply_genesis(std::string_view text) {
  Json g = Json::parse(text, nullptr, false);
  if (g.is_discarded() || !g.is_object()) return bad_genesis("genesis is not a JSON object");
  for (auto it = g.begin(); it != g.end(); ++it) {
    static const std::set<std::string> known = {"chain_id", "time_ms",     "params",   "orgs",
                                                "accounts", "instruments", "balances", "ets",
                                                "mrv",      "network"};
    if (!known.contains(it.key())) return bad_genesis("unknown genesis field '" + it.key() + "'");
  }
  if (!g.contains("chain_id") || !g["chain_id"].is_string() ||
      !valid_id(g["chain_id"].get<std::string>()))
    return bad_genesis("chain_id must be an identifier");
  Genesis out;
  out.text = std::string(text);
  out.params.chain_id = g["chain_id"];
  out.params.permissions = default_permissions();
  if (g.contains("params")) {
    if (!g["params"].is_object()) return bad_genesis("params must be an object");
    Json pj = g["params"];
    pj["chain_id"] = out.params.chain_id;
    auto p = Params::from_json(pj);
    if (!p) return p.error();
    for (auto& [t, roles] : p->permissions) out.params.permissions[t] = roles;
  }
  if (g.contains("time_ms")) {
    auto t = json_u64(g["time_ms"]);
    if (!t) return bad_genesis("time_ms must be an unsigned integer");
    out.time_ms = *t;
  }
  State empty;
  Overlay st(empty);
  st.put("meta/params", out.params.to_json().dump());
  st.put("meta/chain_id", out.params.chain_id);

  // Orgs: exactly one regulator, written directly (the handler refuses a second regulator).
  int regulators = 0;
  for (const auto& o : g.value("orgs", Json::array())) {
    if (!o.is_object()) return bad_genesis("orgs: objects {org, name, role}");
    Json body = o;
    if (auto s = find_handler("identity.org.register")->check(body); !s)
      return bad_genesis("orgs: " + s.error().message);
    std::string id = body["org"];
    if (st.get("org/" + id)) return bad_genesis("org '" + id + "' listed twice");
    if (body["role"] == "regulator") ++regulators;
    st.put("org/" + id, Json({{"name", body["name"]}, {"role", body["role"]}}).dump());
  }
  if (regulators != 1) return bad_genesis("genesis must name exactly one regulator org");
  // "network": the nodes of a multi-node chain (core/network.h); absent on a solo chain.
  if (g.contains("network")) {
    auto net = Network::from_json(g["network"], st);
    if (!net) return net.error();
    st.put("meta/network", net->to_json().dump());
  }

  for (const auto& a : g.value("accounts", Json::array())) {
    if (!a.is_object()) return bad_genesis("accounts: objects {account, org, keys, threshold}");
    Json body = a;
    Json tt = body.contains("type_thresholds") ? body["type_thresholds"] : Json::object();
    body.erase("type_thresholds");
    if (auto s = apply_as(st, out.params, "identity.account.create", "genesis", "regulator", body);
        !s)
      return bad_genesis("account " +
                         (a.contains("account") && a["account"].is_string()
                              ? a["account"].get<std::string>()
                              : std::string("?")) +
                         ": " + s.error().message);
    if (!tt.empty()) {
      Json pb = {{"type_thresholds", tt}};
      std::string id = body["account"];
      if (auto s = apply_as(st, out.params, "identity.policy.set", id, "regulator", pb); !s)
        return bad_genesis("account " + id + ": " + s.error().message);
    }
  }
  for (const auto& i : g.value("instruments", Json::array())) {
    if (!i.is_object() || !i.contains("issuer") || !i["issuer"].is_string())
      return bad_genesis("instruments: objects {instrument, issuer, name, unit}");
    Json body = i;
    std::string issuer = body["issuer"];
    body.erase("issuer");
    if (!load_account(st, issuer)) return bad_genesis("unknown issuer '" + issuer + "'");
    if (auto s = apply_as(st, out.params, "instrument.create", issuer, "regulator", body); !s)
      return bad_genesis("instrument: " + s.error().message);
  }
  for (const auto& b : g.value("balances", Json::array())) {
    if (!b.is_object() || !b.contains("account") || !b["account"].is_string())
      return bad_genesis("balances: objects {account, instrument, amount}");
    Json body = {{"to", b["account"]},
                 {"instrument", b.value("instrument", Json())},
                 {"amount", b.value("amount", Json())}};
    auto inst = body["instrument"].is_string()
                    ? load_instrument(st, body["instrument"].get<std::string>())
                    : std::nullopt;
    if (!inst) return bad_genesis("balances: unknown instrument");
    if (auto s = apply_as(st, out.params, "holdings.issue", inst->issuer, "regulator", body); !s)
      return bad_genesis("balance: " + s.error().message);
  }
  // "ets": {"params": {...}?, "txs": [{"type", "body"}]?}: K-ETS parameters replacing fields of
  // the defaults (core/ets.h), then regulator-only ets.* txs (plans, designations, allocation
  // orders, certifications, prices) applied in order through their handlers, sent by "genesis".
  if (g.contains("ets")) {
    const Json& e = g["ets"];
    if (!e.is_object()) return bad_genesis("ets must be an object {params?, txs?}");
    for (auto it = e.begin(); it != e.end(); ++it)
      if (it.key() != "params" && it.key() != "txs")
        return bad_genesis("unknown ets field '" + it.key() + "'");
    if (e.contains("params"))
      if (auto s = ets_genesis_params(st, e["params"]); !s)
        return bad_genesis("ets.params: " + s.error().message);
    const Json txs = e.value("txs", Json::array());
    if (!txs.is_array()) return bad_genesis("ets.txs must be a list of {type, body}");
    const auto perms = default_permissions();
    for (const auto& t : txs) {
      if (!t.is_object() || t.size() != 2 || !t.contains("type") || !t["type"].is_string() ||
          !t.contains("body") || !t["body"].is_object())
        return bad_genesis("ets.txs: entries are {type, body}");
      std::string type = t["type"];
      auto p = perms.find(type);
      if (!type.starts_with("ets.") || p == perms.end() ||
          p->second != std::set<std::string>{"regulator"})
        return bad_genesis("ets.txs: '" + type + "' is not a regulator ets.* tx");
      if (auto s = apply_as(st, out.params, type, "genesis", "regulator", t["body"]); !s)
        return bad_genesis("ets.txs " + type + ": " + s.error().message);
    }
  }
  // "mrv": {"factor_sets": [publish body, ...]?, "txs": [{type, from, body}]?}: emission
  // factor sets (core/mrv_factors.h) published in order through mrv.factors.publish by
  // "genesis" (without any, the built-in default set is the latest); then mrv.* txs (devices,
  // calibrations, plans, approvals) applied in order through their handlers as sent by `from`,
  // an account of genesis, with its role (which must be allowed the type) at the genesis time.
  if (g.contains("mrv")) {
    const Json& m = g["mrv"];
    if (!m.is_object()) return bad_genesis("mrv must be an object {factor_sets?, txs?}");
    for (auto it = m.begin(); it != m.end(); ++it)
      if (it.key() != "factor_sets" && it.key() != "txs")
        return bad_genesis("unknown mrv field '" + it.key() + "'");
    const Json sets = m.value("factor_sets", Json::array());
    if (!sets.is_array()) return bad_genesis("mrv.factor_sets must be a list of factor sets");
    for (const auto& fs : sets)
      if (auto s = apply_as(st, out.params, "mrv.factors.publish", "genesis", "regulator", fs); !s)
        return bad_genesis("mrv.factor_sets: " + s.error().message);
    const Json txs = m.value("txs", Json::array());
    if (!txs.is_array()) return bad_genesis("mrv.txs must be a list of {type, from, body}");
    for (const auto& t : txs) {
      if (!t.is_object() || t.size() != 3 || !t.contains("type") || !t["type"].is_string() ||
          !t.contains("from") || !t["from"].is_string() || !t.contains("body") ||
          !t["body"].is_object())
        return bad_genesis("mrv.txs: entries are {type, from, body}");
      std::string type = t["type"], from = t["from"];
      auto sender = load_account(st, from);
      if (!sender) return bad_genesis("mrv.txs: unknown account '" + from + "'");
      if (!type.starts_with("mrv.") || !find_handler(type) ||
          !out.params.allowed(type, sender->role))
        return bad_genesis("mrv.txs: '" + from + "' may not send '" + type + "'");
      if (auto s = apply_as(st, out.params, type, from, sender->role, t["body"], out.time_ms); !s)
        return bad_genesis("mrv.txs " + type + ": " + s.error().message);
    }
  }
  st.put("meta/genesis", out.text);
  out.writes = st.take();
  out.state_root = next_state_root(Hash{}, out.writes);
  BlockHeader& h = out.header;
  h.height = 0;
  h.prev_hash = sha256(text);
  h.time_ms = out.time_ms;
  h.tx_root = merkle::root({});
  h.receipts_root = merkle::root({});
  h.state_root = out.state_root;
  return out;
}

}  // namespace tanso
