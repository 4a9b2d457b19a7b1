// Shared helpers of tanso-bench: stderr progress output, percentiles, temp dirs, free ports,
// child processes, and the Ctrl-C flag every long phase checks.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tanso::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ---- interruption ----
// SIGINT/SIGTERM set a flag (they do not kill the bench) so phases stop early and every
// child process and temp dir is still cleaned up.
void install_signal_handlers();
bool interrupted();

// ---- output (all on stderr; stdout is reserved for the --json line) ----
void phase(const std::string& title);             // "== title"
void info(const std::string& line);               // "   line"
void warn(const std::string& line);               // "!! line"
std::string fmt_num(double v, int decimals = 0);  // 12,345.6
std::string fmt_int(uint64_t v);                  // 12,345
double seconds_since(Clock::time_point t0);

// A progress bar on a terminal, or a line every 10% when stderr is a file or a pipe.
// update() is cheap and may be called from any thread (it rate-limits itself).
class Progress {
 public:
  Progress(std::string label, uint64_t total, std::string unit = "");
  ~Progress();
  void update(uint64_t done);
  void finish();  // prints the final 100% line once

 private:
  void draw(uint64_t done, bool final);
  std::string label_, unit_;
  uint64_t total_;
  Clock::time_point t0_;
  std::atomic<int64_t> last_draw_ns_{-1};
  std::atomic<int> last_decile_{-1};
  bool tty_;
  bool finished_ = false;
};

// ---- statistics ----
// Nearest-rank percentile (p in [0,100]) of unsorted values; sorts a copy. 0 if empty.
double percentile(std::vector<double> v, double p);

// ---- environment ----
fs::path self_dir();                    // directory of /proc/self/exe
unsigned short free_tcp_port();         // binds 127.0.0.1:0, returns the port (then closes it)
std::string cpu_model();                // "model name" from /proc/cpuinfo
std::string kernel_release();           // uname -r
unsigned cpu_count();                   // std::thread::hardware_concurrency, at least 1
double self_cpu_seconds();              // user+system CPU time of this process so far
double process_cpu_seconds(pid_t pid);  // same for another process (/proc/<pid>/stat); -1 if gone
double loadavg_1m();                    // /proc/loadavg; -1 if unreadable

// The machine a bench runs on, read at its start and reported in its last JSON line.
struct Machine {
  std::string cpu, kernel;
  unsigned cores = 1;
  double load0 = 0;  // 1-minute load average at the start
  // Reads them, starts the bench's first phase with a "machine:" line, and warns when the load
  // is over half the cores (the numbers will be low and noisy).
  static Machine probe(const std::string& bench_name);
  // {"cpu", "cores", "kernel", "loadavg_1m_at_start", "loadavg_1m_at_end"}
  nlohmann::json json(double load_end) const;
};

// One target of a bench's JSON: {"op", "threshold", "value", "pass"}.
nlohmann::json target_json(const char* op, double threshold, double value, bool pass);

// A directory under $TMPDIR (or /tmp), removed on destruction unless keep().
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  fs::path path_;
  bool keep_ = false;
};

// ---- child processes ----
// fork + execv with stdout and stderr redirected to files (the same file if both paths are
// equal). The child gets SIGTERM when the thread that started it exits (PR_SET_PDEATHSIG), so
// start children from the main thread; daemons that fork away (pg_ctl) are not covered.
class Subprocess {
 public:
  Subprocess() = default;
  ~Subprocess();  // kills (SIGKILL) and reaps a child still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Throws std::runtime_error if fork/exec set-up fails (exec failure shows as exit code 127).
  void start(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err);
  pid_t pid() const { return pid_; }
  bool running();
  // Waits up to timeout (forever if nullopt); returns the exit status (128+signal if killed) or
  // nullopt on timeout. Returns early with nullopt if interrupted() and stop_on_interrupt.
  std::optional<int> wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                          bool stop_on_interrupt = true);
  // SIGTERM, wait up to grace, then SIGKILL. Returns the exit status.
  int stop(std::chrono::milliseconds grace);
  std::optional<int> exit_status() const { return status_; }

 private:
  void reaped(int raw);
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs a command to completion, output (stdout+stderr) captured to `log`; returns its status.
// nullopt on timeout or interruption (the child is killed).
std::optional<int> run_command(const std::vector<std::string>& argv, const fs::path& log,
                               std::optional<std::chrono::milliseconds> timeout = std::nullopt);

std::string read_file(const fs::path& p);
// The last n lines of a file (for error reports).
std::string tail_file(const fs::path& p, size_t n);
std::string join_args(const std::vector<std::string>& argv);

}  // namespace tanso::bench
