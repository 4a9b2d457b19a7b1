// Shared helpers of tanso-bench (see common.h).
#include "common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tanso::bench {

// ---- interruption ----

static volatile sig_atomic_t g_interrupted = 0;

static void on_signal(int) { g_interrupted = 1; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR and loops re-check the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool interrupted() { return g_interrupted != 0; }

// ---- output ----

static std::mutex g_out_mu;

static bool stderr_tty() {
  static const bool tty = isatty(STDERR_FILENO) != 0;
  return tty;
}

void phase(const std::string& title) {
  std::lock_guard lk(g_out_mu);
  std::cerr << "\n== " << title << std::endl;
}

void info(const std::string& line) {
  std::lock_guard lk(g_out_mu);
  std::cerr << "   " << line << std::endl;
}

void warn(const std::string& line) {
  std::lock_guard lk(g_out_mu);
  std::cerr << "!! " << line << std::endl;
}

std::string fmt_num(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v));
  std::string s(buf);
  auto dot = s.find('.');
  std::string ip = s.substr(0, dot), fp = dot == std::string::npos ? "" : s.substr(dot);
  std::string out;
  for (size_t i = 0; i < ip.size(); ++i) {
    if (i > 0 && (ip.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(ip[i]);
  }
  return (v < 0 ? "-" : "") + out + fp;
}

std::string fmt_int(uint64_t v) { return fmt_num(static_cast<double>(v), 0); }

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// ---- progress ----

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      t0_(Clock::now()),
      tty_(stderr_tty()) {}

Progress::~Progress() {
  if (!finished_ && tty_) {
    std::lock_guard lk(g_out_mu);
    std::cerr << std::endl;
  }
}

void Progress::update(uint64_t done) {
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count();
  if (tty_) {
    int64_t last = last_draw_ns_.load(std::memory_order_relaxed);
    if (last >= 0 && now_ns - last < 100'000'000) return;  // at most 10 redraws per second
    if (!last_draw_ns_.compare_exchange_strong(last, now_ns)) return;
    draw(done, false);
  } else {
    int decile = total_ ? static_cast<int>(std::min<uint64_t>(done * 10 / total_, 10)) : 0;
    int last = last_decile_.load(std::memory_order_relaxed);
    if (decile <= last || decile < 1 || decile >= 10) return;
    if (!last_decile_.compare_exchange_strong(last, decile)) return;
    draw(done, false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(total_, true);
}

void Progress::draw(uint64_t done, bool final) {
  double el = seconds_since(t0_);
  double frac = total_ ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 1;
  std::ostringstream os;
  os << "   " << label_ << " ";
  if (tty_) {
    const int width = 30;
    int fill = static_cast<int>(frac * width);
    os << "[" << std::string(fill, '#') << std::string(width - fill, '.') << "] ";
  }
  os << static_cast<int>(frac * 100) << "% ";
  if (!unit_.empty()) os << fmt_int(done) << "/" << fmt_int(total_) << " " << unit_ << " ";
  os << "(" << fmt_num(el, 1) << " s)";
  std::lock_guard lk(g_out_mu);
  if (tty_) {
    std::cerr << "\r" << os.str() << "\x1b[K";
    if (final) std::cerr << std::endl;
    std::cerr.flush();
  } else {
    std::cerr << os.str() << std::endl;
  }
}

// ---- statistics ----

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
  size_t idx = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return v[std::min(idx, v.size() - 1)];
}

// ---- environment ----

fs::path self_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot resolve /proc/self/exe: " + ec.message());
  return exe.parent_path();
}

unsigned short free_tcp_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int e = errno;
    close(fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(e));
  }
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      if (c != std::string::npos) {
        auto s = line.substr(c + 1);
        s.erase(0, s.find_first_not_of(" \t"));
        return s;
      }
    }
  }
  return "unknown";
}

std::string kernel_release() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release;
}

unsigned cpu_count() { return std::max(1u, std::thread::hardware_concurrency()); }

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto rp = text.rfind(')');  // the command name may hold spaces; fields follow the last ')'
  if (rp == std::string::npos) return -1;
  std::istringstream fields(text.substr(rp + 2));
  std::string f;
  double utime = 0, stime = 0;
  // after ')': state(3) ... utime is field 14, stime 15 (1-based over the whole line)
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stod(f);
    if (i == 15) stime = std::stod(f);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double loadavg_1m() {
  std::ifstream in("/proc/loadavg");
  double v = -1;
  in >> v;
  return v;
}

TempDir::TempDir(const std::string& prefix) {
  const char* t = std::getenv("TMPDIR");
  fs::path base = (t && *t) ? fs::path(t) : fs::path("/tmp");
  std::string tmpl = (base / (prefix + "XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (keep_ || path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) warn("could not remove " + path_.string() + ": " + ec.message());
}

// ---- child processes ----

Subprocess::~Subprocess() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int raw = 0;
    waitpid(pid_, &raw, 0);
  }
}

void Subprocess::start(const std::vector<std::string>& argv, const fs::path& out,
                       const fs::path& err) {
  if (argv.empty()) throw std::runtime_error("empty command");
  int ofd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (ofd < 0) throw std::runtime_error("open " + out.string() + ": " + std::strerror(errno));
  int efd = ofd;
  if (err != out) {
    efd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (efd < 0) {
      close(ofd);
      throw std::runtime_error("open " + err.string() + ": " + std::strerror(errno));
    }
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(ofd);
    if (efd != ofd) close(efd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    // Default signal dispositions for the child (our handlers are not inherited by exec, but
    // ignored SIGPIPE would be).
    signal(SIGPIPE, SIG_DFL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(ofd, STDOUT_FILENO);
    dup2(efd, STDERR_FILENO);
    execv(args[0], args.data());
    dprintf(STDERR_FILENO, "exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(ofd);
  if (efd != ofd) close(efd);
  pid_ = pid;
  status_.reset();
}

void Subprocess::reaped(int raw) {
  if (WIFEXITED(raw))
    status_ = WEXITSTATUS(raw);
  else if (WIFSIGNALED(raw))
    status_ = 128 + WTERMSIG(raw);
  else
    status_ = 255;
}

bool Subprocess::running() {
  if (pid_ <= 0 || status_) return false;
  int raw = 0;
  pid_t r = waitpid(pid_, &raw, WNOHANG);
  if (r == pid_) {
    reaped(raw);
    return false;
  }
  return r == 0;
}

std::optional<int> Subprocess::wait(std::optional<std::chrono::milliseconds> timeout,
                                    bool stop_on_interrupt) {
  if (pid_ <= 0) return std::nullopt;
  if (status_) return status_;
  auto deadline = timeout ? Clock::now() + *timeout : Clock::time_point::max();
  for (;;) {
    if (!running()) return status_;
    if (Clock::now() >= deadline) return std::nullopt;
    if (stop_on_interrupt && interrupted()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int Subprocess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (status_) return *status_;
  kill(pid_, SIGTERM);
  if (auto s = wait(grace, false)) return *s;
  kill(pid_, SIGKILL);
  int raw = 0;
  waitpid(pid_, &raw, 0);
  reaped(raw);
  return *status_;
}

std::optional<int> run_command(const std::vector<std::string>& argv, const fs::path& log,
                               std::optional<std::chrono::milliseconds> timeout) {
  Subprocess p;
  p.start(argv, log, log);
  auto s = p.wait(timeout);
  if (!s) p.stop(std::chrono::milliseconds(5000));
  return s;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string tail_file(const fs::path& p, size_t n) {
  std::ifstream in(p);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > n) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string join_args(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool quote = a.empty() || a.find_first_of(" \t\"'$") != std::string::npos;
    out += quote ? "'" + a + "'" : a;
  }
  return out;
}

Machine Machine::probe(const std::string& bench_name) {
  Machine m;
  m.cpu = cpu_model();
  m.kernel = kernel_release();
  m.cores = cpu_count();
  m.load0 = loadavg_1m();
  phase(bench_name);
  info("machine: " + m.cpu + ", " + std::to_string(m.cores) + " cores, " + m.kernel +
       ", load average " + fmt_num(m.load0, 2));
  if (m.load0 > 0.5 * m.cores)
    warn("the machine is busy (load " + fmt_num(m.load0, 2) + " on " + std::to_string(m.cores) +
         " cores): numbers will be low and noisy");
  return m;
}

nlohmann::json Machine::json(double load_end) const {
  return {{"cpu", cpu},
          {"cores", cores},
          {"kernel", kernel},
          {"loadavg_1m_at_start", load0},
          {"loadavg_1m_at_end", load_end}};
}

nlohmann::json target_json(const char* op, double threshold, double value, bool pass) {
  return {{"op", op}, {"threshold", threshold}, {"value", value}, {"pass", pass}};
}

}  // namespace tanso::bench
