// Unit tests: exit-code computation, durations, child environment, JSON log escaping.
#include "base/duration.hpp"
#include "base/log.hpp"
#include "core/exit_status.hpp"
#include "launch/child_env.hpp"
#include "launch/child_setup.hpp"
#include "launch/launch.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>

#include <sys/stat.h>
#include <sys/wait.h>

using namespace sdshim;

namespace {
int exited(int code) { return (code & 0xff) << 8; }
int killed(int sig) { return sig; }
}  // namespace

TEST_CASE("exit code is the child code or 128+signal with success-exit remap") {
    REQUIRE(WIFEXITED(exited(7)));
    REQUIRE(WIFSIGNALED(killed(SIGTERM)));
    CHECK(exit_code_from_status(exited(0), {}) == 0);
    CHECK(exit_code_from_status(exited(7), {}) == 7);
    CHECK(exit_code_from_status(killed(SIGTERM), {}) == 143);
    CHECK(exit_code_from_status(killed(SIGKILL), {}) == 137);
    CHECK(exit_code_from_status(killed(SIGSEGV) | 0x80, {}) == 139);
    CHECK(exit_code_from_status(killed(SIGTERM), {143}) == 0);
    CHECK(exit_code_from_status(exited(7), {143}) == 7);
    CHECK(exit_code_from_status(exited(3), {1, 3}) == 0);
    CHECK(describe_status(exited(7)) == "exited with code 7");
    CHECK(describe_status(killed(SIGTERM)) == "killed by SIGTERM");
    CHECK(describe_status(killed(SIGSEGV) | 0x80) == "killed by SIGSEGV (core dumped)");
    CHECK(exit_code_for_exec_error(ENOENT) == 127);
    CHECK(exit_code_for_exec_error(EACCES) == 126);
    CHECK(exit_code_for_exec_error(ENOEXEC) == 126);
}

TEST_CASE("durations") {
    CHECK(parse_duration("8s") == Millis(8000));
    CHECK(parse_duration("8") == Millis(8000));
    CHECK(parse_duration("0") == Millis(0));
    CHECK(parse_duration("500ms") == Millis(500));
    CHECK(parse_duration("1.5s") == Millis(1500));
    CHECK(parse_duration("2m") == Millis(120000));
    CHECK_FALSE(parse_duration("-1"));
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("s"));
    CHECK_FALSE(parse_duration("1h"));
    CHECK_FALSE(parse_duration("1.2.3s"));
    CHECK_FALSE(parse_duration("1e9s"));
    CHECK(format_duration(Millis(8000)) == "8s");
    CHECK(format_duration(Millis(1500)) == "1500ms");
}

TEST_CASE("durations are exact decimals, rounded half up to a millisecond") {
    CHECK(parse_duration("0.0005s") == Millis(1));
    CHECK(parse_duration("0.0004999s") == Millis(0));
    CHECK(parse_duration(".25") == Millis(250));
    CHECK(parse_duration("1.") == Millis(1000));
    CHECK(parse_duration("0.1m") == Millis(6000));
    CHECK(parse_duration("2.5ms") == Millis(3));
    CHECK(parse_duration("0.333333333333333333333333s") == Millis(333));  // digits past the 18th ignored
    CHECK(parse_duration("31536000s") == Millis(31536000000LL));          // a year: the largest
    CHECK_FALSE(parse_duration("31536000.001s"));
    CHECK_FALSE(parse_duration("99999999999999999999999999s"));  // no overflow on the way
    CHECK_FALSE(parse_duration("."));
}

TEST_CASE("child environment drops SDSHIM variables and applies edits") {
    const char* env[] = {"PATH=/bin", "SDSHIM_GRACE=1s", "LISTEN_PIDFDID=9", "NGINX=old", "HOME=/root", nullptr};
    EnvEdit edit;
    edit.remove = {"LISTEN_PIDFDID"};
    edit.set = {{"NGINX", "3;4;"}};
    auto out = build_child_env(env, edit);
    CHECK(out == std::vector<std::string>{"PATH=/bin", "HOME=/root", "NGINX=3;4;"});
}

TEST_CASE("child environment: the shim's own variables reach a child only as the edit sets them") {
    const char* env[] = {"LISTEN_PID=1",     "LISTEN_FDS=2",     "LISTEN_FDNAMES=a:b",
                         "LISTEN_PIDFDID=7", "NOTIFY_SOCKET=/x", "WATCHDOG_USEC=10",
                         "WATCHDOG_PID=1",   "LISTEN_FDSX=kept", nullptr};
    CHECK(build_child_env(env, {}) == std::vector<std::string>{"LISTEN_FDSX=kept"});
    EnvEdit edit;
    edit.set = {{"LISTEN_FDS", "1"}, {"NOTIFY_SOCKET", "@inner"}};
    CHECK(build_child_env(env, edit) ==
          std::vector<std::string>{"LISTEN_FDSX=kept", "LISTEN_FDS=1", "NOTIFY_SOCKET=@inner"});
}

TEST_CASE("write_decimal is exact and bounded") {
    char buf[13];
    write_decimal(buf, sizeof buf, 1);
    CHECK(std::string(buf) == "1");
    write_decimal(buf, sizeof buf, 4194304);
    CHECK(std::string(buf) == "4194304");
    char small[4];
    write_decimal(small, sizeof small, 123456);
    CHECK(std::string(small) == "123");
}

TEST_CASE("PATH search follows execvp with executable first and non-executable as fallback") {
    char tmpl[] = "/tmp/sdshim-path-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    std::string dir = tmpl;
    std::string a = dir + "/a", b = dir + "/b";
    REQUIRE(mkdir(a.c_str(), 0755) == 0);
    REQUIRE(mkdir(b.c_str(), 0755) == 0);
    std::ofstream(a + "/tool") << "#!/bin/sh\n";
    std::ofstream(b + "/tool") << "#!/bin/sh\n";
    chmod((a + "/tool").c_str(), 0644);
    chmod((b + "/tool").c_str(), 0755);
    std::string path = a + ":" + b;
    CHECK(resolve_program("tool", path.c_str()) == b + "/tool");
    CHECK(resolve_program("tool", a.c_str()) == a + "/tool");  // found, not executable: EACCES later
    CHECK(resolve_program("missing", path.c_str()).empty());
    CHECK(resolve_program("./rel/prog", path.c_str()) == "./rel/prog");
    std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("JSON log time: UTC with milliseconds, from <chrono> alone") {
    using namespace std::chrono;
    CHECK(utc_timestamp(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
    // 2026-11-30 05:35:37.123 UTC
    CHECK(utc_timestamp(system_clock::time_point{milliseconds(1796016937123LL)}) == "2026-11-30T05:35:37.123Z");
    // a leap day, the last millisecond of it
    CHECK(utc_timestamp(system_clock::time_point{milliseconds(951868799999LL)}) == "2000-02-29T23:59:59.999Z");
}

TEST_CASE("JSON log escaping") {
    CHECK(json_escape("plain") == "plain");
    CHECK(json_escape("a\"b\\c\nd\t\x01") == "a\\\"b\\\\c\\nd\\t\\u0001");
}
