// Cash on the ledger (DOMAIN.md §6, issue 5): KRW is an ordinary holdings instrument issued by the
// settlement bank (its issuer). The bank issues it against deposits received off-ledger and
// burns it when it pays a withdrawal out; every change of supply is signed by the bank and
// carries the bank's payment reference, each used once.
//
//   cash.deposit {instrument?, to, amount, reference}        bank: issues `amount` to `to`
//   cash.withdraw.request {instrument?, amount, request}     holder: moves `amount` into the
//                                                            cash escrow (@cash), pending
//   cash.withdraw {account, request, reference}              bank: burns the pending amount
//                                                            from @cash (paid out off-ledger)
//   cash.withdraw.reject {account, request, reason?}         bank: returns it to the holder
//   cash.withdraw.cancel {request}                           holder: takes a pending one back
//
// `instrument` defaults to KRW; the sender of deposit/withdraw/reject must be its issuer. The bank
// pays out off-ledger only once its cash.withdraw is committed (a cancel may come before). A
// withdrawal request locks the funds at once (the holder cannot spend them twice while the bank
// pays out) and the bank can only burn what a holder asked to withdraw, never a balance directly.
// Invariant: balance(@cash, i) == sum of the amounts of pending requests in instrument i.
//
// Key space:
//   cash/ref/<instrument>/<reference>     {"kind":"deposit"|"withdrawal","account","amount",
//                                          "height"}: the bank's reference, used once
//   cash/wd/<account>/<request>           {"instrument","amount","status":"pending"|"paid"|
//                                          "rejected"|"cancelled","height","reference"?,"reason"?}
#pragma once

#include <span>

#include "core/module.h"

namespace tanso {

inline constexpr std::string_view kCashDefault = "KRW";

std::span<const TxHandler> cash_handlers();

}  // namespace tanso
