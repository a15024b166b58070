// smtp-sink: a fast SMTP sink for benchmarks (one thread per connection).
// Accepts every message (or rejects every RCPT), counts them, optionally keeps
// the first N as files, and can exit after an expected number of messages
// printing when the first and the last arrived. See --help.
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "line_socket.h"

namespace {

struct Options {
    bench::HostPort listen{"127.0.0.1", 2626};
    long expect = 0;       // exit after this many messages (0 = run until SIGTERM)
    std::string dir;       // keep messages here as NAME.eml + NAME.json
    long keep = 0;         // how many to keep (0 = all, when --dir is given)
    long reportEvery = 0;  // print a progress line every N messages
    bool rejectRcpt = false;
    int timeoutMs = 60000;
};

const char* kHelp =
    "usage: smtp-sink [--listen HOST:PORT] [--expect N] [--dir DIR [--keep N]]\n"
    "                 [--report-every N] [--reject-rcpt] [--timeout SECONDS]\n"
    "\n"
    "A fast SMTP server for benchmarks: accepts every message (ESMTP with\n"
    "PIPELINING and 8BITMIME), counts it and throws it away.\n"
    "\n"
    "  --listen HOST:PORT  IPv4 address to listen on (default 127.0.0.1:2626)\n"
    "  --expect N          at the N-th message print one JSON line\n"
    "                      {\"messages\":N,\"first\":T1,\"last\":T2} (Unix times, s)\n"
    "                      and exit 2 s later\n"
    "  --dir DIR           keep messages as DIR/NAME.eml (raw) + NAME.json\n"
    "                      ({\"mail_from\",\"rcpt_to\"}); the .eml is renamed into place last\n"
    "  --keep N            keep only the first N messages in DIR (default: all)\n"
    "  --report-every N    print {\"messages\":n,\"time\":T} every N messages\n"
    "  --reject-rcpt       answer every RCPT with 550 5.1.1 (a failing destination)\n"
    "  --timeout SECONDS   idle timeout per connection (default 60)\n"
    "\n"
    "Without --expect it runs until SIGTERM/SIGINT and prints the same JSON line.\n";

std::atomic<long> g_count{0};
std::atomic<double> g_first{0}, g_last{0};
std::mutex g_fileMutex;

double now() {
    timeval tv;
    gettimeofday(&tv, nullptr);
    return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
}

std::string jsonString(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 32) continue;
        out += c;
    }
    return out + "\"";
}

void keepMessage(const Options& o, long n, const std::string& from, const std::vector<std::string>& rcpts,
                 const std::string& data) {
    if (o.dir.empty() || (o.keep > 0 && n > o.keep)) return;
    std::string base = o.dir + "/msg" + std::to_string(n);
    std::string json = "{\"mail_from\": " + jsonString(from) + ", \"rcpt_to\": [";
    for (std::size_t i = 0; i < rcpts.size(); ++i) json += (i ? ", " : "") + jsonString(rcpts[i]);
    json += "]}\n";
    std::lock_guard<std::mutex> lock(g_fileMutex);
    std::ofstream(base + ".json") << json;
    std::ofstream(base + ".eml.tmp", std::ios::binary) << data;
    std::rename((base + ".eml.tmp").c_str(), (base + ".eml").c_str());
}

std::string addressOf(const std::string& line) {
    auto lt = line.find('<'), gt = line.find('>');
    if (lt == std::string::npos || gt == std::string::npos || gt < lt) return "";
    return line.substr(lt + 1, gt - lt - 1);
}

void report() {
    std::printf("{\"messages\":%ld,\"first\":%.6f,\"last\":%.6f}\n", g_count.load(), g_first.load(), g_last.load());
    std::fflush(stdout);
}

void finish() {
    report();
    std::_Exit(0);
}

void session(int fd, const Options& o) {
    try {
        bench::LineReader in(fd, o.timeoutMs);
        bench::writeAll(fd, "220 smtp-sink ESMTP\r\n");
        std::string line, from, data;
        std::vector<std::string> rcpts;
        while (in.readLine(line)) {
            std::string cmd = line.substr(0, 4);
            for (auto& c : cmd) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (cmd == "EHLO") {
                bench::writeAll(fd, "250-smtp-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250 SMTPUTF8\r\n");
            } else if (cmd == "HELO") {
                bench::writeAll(fd, "250 smtp-sink\r\n");
            } else if (cmd == "MAIL") {
                from = addressOf(line);
                rcpts.clear();
                bench::writeAll(fd, "250 2.1.0 Ok\r\n");
            } else if (cmd == "RCPT") {
                if (o.rejectRcpt) {
                    bench::writeAll(fd, "550 5.1.1 <" + addressOf(line) + ">: Recipient address rejected\r\n");
                } else {
                    rcpts.push_back(addressOf(line));
                    bench::writeAll(fd, "250 2.1.5 Ok\r\n");
                }
            } else if (cmd == "DATA") {
                if (rcpts.empty()) {
                    bench::writeAll(fd, "554 5.5.1 No valid recipients\r\n");
                    continue;
                }
                bench::writeAll(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
                data.clear();
                while (in.readLine(line) && line != ".") {
                    if (!line.empty() && line[0] == '.') line.erase(0, 1);
                    data += line + "\r\n";
                }
                long n = ++g_count;
                double t = now();
                if (n == 1) g_first = t;
                g_last = t;
                keepMessage(o, n, from, rcpts, data);
                if (o.reportEvery > 0 && n % o.reportEvery == 0) {
                    std::printf("{\"messages\":%ld,\"time\":%.6f}\n", n, t);
                    std::fflush(stdout);
                }
                bench::writeAll(fd, "250 2.0.0 Ok: queued as " + std::to_string(n) + "\r\n");
                if (o.expect > 0 && n == o.expect) {
                    // Report now; exit after a grace period so clients can QUIT cleanly.
                    report();
                    std::thread([] {
                        std::this_thread::sleep_for(std::chrono::seconds(2));
                        std::_Exit(0);
                    }).detach();
                }
            } else if (cmd == "RSET" || cmd == "NOOP") {
                bench::writeAll(fd, "250 2.0.0 Ok\r\n");
            } else if (cmd == "QUIT") {
                bench::writeAll(fd, "221 2.0.0 Bye\r\n");
                break;
            } else {
                bench::writeAll(fd, "502 5.5.2 Command not recognized\r\n");
            }
        }
    } catch (const std::exception& e) {
        // A dropped or idle connection ends only this session.
    }
    ::close(fd);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
            return argv[++i];
        };
        if (a == "--listen") o.listen = bench::parseHostPort(next());
        else if (a == "--expect") o.expect = std::stol(next());
        else if (a == "--dir") o.dir = next();
        else if (a == "--keep") o.keep = std::stol(next());
        else if (a == "--reject-rcpt") o.rejectRcpt = true;
        else if (a == "--report-every") o.reportEvery = std::stol(next());
        else if (a == "--timeout") o.timeoutMs = std::stoi(next()) * 1000;
        else if (a == "-h" || a == "--help") {
            std::cout << kHelp;
            std::exit(0);
        } else throw std::invalid_argument("unknown argument: " + a);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    try {
        o = parse(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "smtp-sink: " << e.what() << "\n" << kHelp;
        return 64;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
        int sig = 0;
        sigwait(&set, &sig);
        finish();
    }).detach();
    int lfd;
    try {
        lfd = bench::listenOn(o.listen);
    } catch (const std::exception& e) {
        std::cerr << "smtp-sink: " << e.what() << "\n";
        return 71;
    }
    if (!o.dir.empty()) ::mkdir(o.dir.c_str(), 0755);
    for (;;) {
        int fd = ::accept(lfd, nullptr, nullptr);
        if (fd < 0) {
            if (errno == EINTR) continue;
            std::perror("smtp-sink: accept");
            return 71;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // replies are small writes
        std::thread(session, fd, std::cref(o)).detach();
    }
}
