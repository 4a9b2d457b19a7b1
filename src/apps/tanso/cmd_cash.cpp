// tanso cash deposit | withdraw-request | withdraw | withdraw-reject | withdraw-cancel: the cash
// txs of core/cash.h (docs/MARKET.md "Cash"). The settlement bank deposits (issues KRW against
// its payment reference) and pays out withdrawals a holder requested; the holder requests and may
// cancel. Each builds one cash.* tx, signs it with -k, submits it and waits for its block like
// `tanso tx send`. Exit codes as everywhere (cli.h).
#include "cmd_common.h"
#include "cmd_market.h"

namespace tanso::cli {

namespace {

// An amount: digits, thousands separators allowed; sent as a decimal string.
std::string amount(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == ',') continue;
    if (ch < '0' || ch > '9') fail(kUsage, "--amount must be a whole number, not '" + text + "'");
    out += ch;
  }
  if (out.empty() || out.find_first_not_of('0') == std::string::npos || out.size() > 19)
    fail(kUsage, "--amount must be a whole number from 1, not '" + text + "'");
  return out;
}

}  // namespace

void add_cash(CLI::App& app) {
  auto* cash = app.add_subcommand(
      "cash", "Cash (KRW) on the ledger: the settlement bank's deposits and withdrawals");
  cash->require_subcommand(1);
  const char* bank = "the settlement bank";
  const char* holder = "the holder";

  static TxOpts dep_o;
  static std::string dep_to, dep_amount, dep_ref, dep_inst;
  auto* dep = cash->add_subcommand(
      "deposit", "Bank: issue cash to an account against a payment reference (cash.deposit)");
  dep->add_option("--to", dep_to, "Account credited")->required();
  dep->add_option("--amount", dep_amount, "Amount (e.g. 5,000,000)")->required();
  dep->add_option("--reference", dep_ref, "The bank's payment reference (used once)")->required();
  dep->add_option("--instrument", dep_inst, "Cash instrument (default KRW)");
  add_tx_options(dep, dep_o, bank);
  dep->footer(
      "Example:\n  tanso cash deposit --to hanbit-steel --amount 5,000,000 "
      "--reference PAY-0001 -k demo/keys/settle-bank.json\n");
  dep->callback([] {
    Json b = {{"to", dep_to}, {"amount", amount(dep_amount)}, {"reference", dep_ref}};
    if (!dep_inst.empty()) b["instrument"] = dep_inst;
    send_tx(dep_o, "cash.deposit", b);
  });

  static TxOpts req_o;
  static std::string req_amount, req_id, req_inst;
  auto* req =
      cash->add_subcommand("withdraw-request",
                           "Holder: ask the bank to pay out; the amount is locked in @cash at once "
                           "(cash.withdraw.request)");
  req->add_option("--amount", req_amount, "Amount")->required();
  req->add_option("--request", req_id, "Your id for the request")->required();
  req->add_option("--instrument", req_inst, "Cash instrument (default KRW)");
  add_tx_options(req, req_o, holder);
  req->footer(
      "Example:\n  tanso cash withdraw-request --amount 1,000,000 --request W-01 "
      "-k demo/keys/hanbit-steel.json\n");
  req->callback([] {
    Json b = {{"amount", amount(req_amount)}, {"request", req_id}};
    if (!req_inst.empty()) b["instrument"] = req_inst;
    send_tx(req_o, "cash.withdraw.request", b);
  });

  static TxOpts wd_o;
  static std::string wd_acct, wd_req, wd_ref;
  auto* wd = cash->add_subcommand(
      "withdraw", "Bank: burn a pending request once paid out off-ledger (cash.withdraw)");
  wd->add_option("--account", wd_acct, "The requesting account")->required();
  wd->add_option("--request", wd_req, "Its request id")->required();
  wd->add_option("--reference", wd_ref, "The bank's payment reference (used once)")->required();
  add_tx_options(wd, wd_o, bank);
  wd->footer(
      "Example:\n  tanso cash withdraw --account hanbit-steel --request W-01 "
      "--reference PAY-0002 -k demo/keys/settle-bank.json\n");
  wd->callback([] {
    send_tx(wd_o, "cash.withdraw",
            {{"account", wd_acct}, {"request", wd_req}, {"reference", wd_ref}});
  });

  static TxOpts rj_o;
  static std::string rj_acct, rj_req, rj_reason;
  auto* rj = cash->add_subcommand(
      "withdraw-reject",
      "Bank: refuse a pending request; the amount goes back (cash.withdraw.reject)");
  rj->add_option("--account", rj_acct, "The requesting account")->required();
  rj->add_option("--request", rj_req, "Its request id")->required();
  rj->add_option("--reason", rj_reason, "Why (shown to the holder)");
  add_tx_options(rj, rj_o, bank);
  rj->footer(
      "Example:\n  tanso cash withdraw-reject --account hanbit-steel --request W-01 "
      "--reason \"account closed\" -k demo/keys/settle-bank.json\n");
  rj->callback([] {
    Json b = {{"account", rj_acct}, {"request", rj_req}};
    if (!rj_reason.empty()) b["reason"] = rj_reason;
    send_tx(rj_o, "cash.withdraw.reject", b);
  });

  static TxOpts cn_o;
  static std::string cn_req;
  auto* cn = cash->add_subcommand(
      "withdraw-cancel", "Holder: take back a request still pending (cash.withdraw.cancel)");
  cn->add_option("--request", cn_req, "Your request id")->required();
  add_tx_options(cn, cn_o, holder);
  cn->footer(
      "Example:\n  tanso cash withdraw-cancel --request W-01 -k demo/keys/hanbit-steel.json\n");
  cn->callback([] { send_tx(cn_o, "cash.withdraw.cancel", {{"request", cn_req}}); });
}

}  // namespace tanso::cli
