// What market data (core/market_data.h) adds to each exchange trade, and what a candle read
// costs: record_trade_data (minute candle + KAU year totals) on an overlay over a state that
// already holds a busy hour, as Ledger::record_trade calls it; and a 1,000-candle read.
#include <benchmark/benchmark.h>

#include "core/market.h"
#include "core/market_data.h"

namespace {

using namespace tanso;

constexpr uint64_t kHour = 1'772'416'800'000;  // 2026-03-02 02:00 UTC (11:00 KST)
constexpr int64_t kDay = 20'514;               // 2026-03-02

// A state with the market and 59 traded minutes of the hour, then one trade per iteration into
// a fresh overlay (one tx's worth of work: read, update, write two records).
void BM_MarketRecordTradeData(benchmark::State& state) {
  State st;
  {
    Overlay ov(st);
    for (uint64_t m = 0; m < 59; ++m)
      market::record_trade_data(ov, "KAU-2026", kHour + m * 60'000, kDay, 10'000 + m * 50, 100);
    st.apply(ov.take());
  }
  uint64_t i = 0;
  for (auto _ : state) {
    Overlay ov(st);
    market::record_trade_data(ov, "KAU-2026", kHour + 59 * 60'000 + (i++ % 60'000), kDay, 10'050,
                              7);
    benchmark::DoNotOptimize(ov);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MarketRecordTradeData);

// The widest 1h read: 1,000 hour records, each with 60 traded minutes.
void BM_MarketCandles1000h(benchmark::State& state) {
  State st;
  {
    Overlay ov(st);
    market::MarketState ms;
    ms.id = "KAU-2026";
    ms.cash = "KRW";
    ov.put("mkt/m/KAU-2026", ms.to_json().dump());
    for (uint64_t h = 0; h < 1000; ++h)
      for (uint64_t m = 0; m < 60; ++m)
        market::record_trade_data(ov, "KAU-2026", kHour + h * 3'600'000 + m * 60'000, kDay, 10'000,
                                  10);
    st.apply(ov.take());
  }
  for (auto _ : state) {
    auto j = market::market_candles(st, "KAU-2026", "1h", kHour, kHour + 1000 * 3'600'000ull, 0);
    benchmark::DoNotOptimize(j);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_MarketCandles1000h)->Unit(benchmark::kMillisecond);

}  // namespace
