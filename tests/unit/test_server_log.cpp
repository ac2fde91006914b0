// Unit tests: the server's JSON log entries on the notify socket (caddy's certificate events) and the STATUS= note made
// of them.
#include "adapters/adapters.hpp"
#include "adapters/server_log.hpp"
#include "base/json_field.hpp"
#include "base/utf8.hpp"
#include "notify/notify_message.hpp"
#include "status/certificate_trouble.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace sdshim;

namespace {
// As caddy 2.11 writes them (zap's JSON encoder), one entry per datagram.
constexpr std::string_view kFailed =
    R"({"level":"error","ts":1764950400.1,"logger":"tls.obtain","msg":"could not get certificate from issuer",)"
    R"("identifier":"whoami.example.com","issuer":"10.99.0.2-14000-dir","error":"registering account with server: )"
    R"(provisioning client: performing request: Get \"https://10.99.0.2:14000/dir\": dial tcp 10.99.0.2:14000: )"
    R"(connect: connection refused"})"
    "\n";
constexpr std::string_view kObtained =
    R"({"level":"info","ts":1764950460.2,"logger":"tls.obtain","msg":"certificate obtained successfully",)"
    R"("identifier":"whoami.example.com","issuer":"10.99.0.2-14000-dir"})";

CertificateEvent failed(std::string name, std::string why, bool renewal = false) {
    return CertificateEvent{std::move(name), renewal, true, std::move(why)};
}
CertificateEvent obtained(std::string name) { return CertificateEvent{std::move(name), false, false, {}}; }
}  // namespace

TEST_CASE("json_string reads one string field, escapes decoded, on one line") {
    CHECK(json_string(R"({"msg":"hello"})", "msg") == "hello");
    CHECK(json_string(R"({"a" : "spaced" })", "a") == "spaced");
    CHECK(json_string(R"({"e":"say \"hi\"\\ \/ ok"})", "e") == R"(say "hi"\ / ok)");
    CHECK(json_string(R"({"e":"two\nlines\tand\rmore"})", "e") == "two lines and more");
    CHECK(json_string("{\"e\":\"caf\xc3\xa9 \xe2\x82\xac\"}", "e") == "caf\xc3\xa9 \xe2\x82\xac");  // UTF-8 as it is
    CHECK(json_string(R"({"e":"bad \ufffd, \u00e9 \ud83d\ude00 \u0041"})", "e") ==
          "bad \xef\xbf\xbd, \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd A");         // escapes past ASCII: U+FFFD
    CHECK(json_string(R"({"e":"ctl \u000aREADY=1"})", "e") == "ctl  READY=1");  // no newline can start a new assignment
    CHECK(json_string(std::string_view("{\"e\":\"raw\x01\x1f\"}"), "e") == "raw  ");
}

TEST_CASE("json_string finds keys, not text that looks like one") {
    // Inside a string every quote is escaped: "identifier":"evil" in a message is no key.
    CHECK(json_string(R"({"msg":"\"identifier\":\"evil\"","identifier":"real"})", "identifier") == "real");
    CHECK(json_string(R"({"msg":"identifier","identifier":"real"})", "identifier") ==
          "real");  // a value equal to the key
    CHECK(json_string(R"({"xidentifier":"no","identifier":"yes"})", "identifier") == "yes");
    CHECK_FALSE(json_string(R"({"msg":"x"})", "identifier"));
    CHECK_FALSE(json_string(R"({"attempt":3})", "attempt"));   // not a string
    CHECK_FALSE(json_string(R"({"msg":"cut short)", "msg"));   // not closed: a cut datagram
    CHECK_FALSE(json_string(R"({"msg":"bad \u12"})", "msg"));  // a short \u escape
    CHECK_FALSE(json_string(R"({"msg":"ends in \)", "msg"));
    CHECK_FALSE(json_string("", "msg"));
}

TEST_CASE("caddy's certificate entries become events, everything else is none") {
    auto e = caddy_certificate_event(kFailed);
    REQUIRE(e);
    CHECK(e->identifier == "whoami.example.com");
    CHECK(e->failed);
    CHECK_FALSE(e->renewal);
    CHECK(e->error.find(R"(Get "https://10.99.0.2:14000/dir": dial tcp)") != std::string::npos);
    CHECK(e->error.ends_with("connection refused"));

    e = caddy_certificate_event(kObtained);
    REQUIRE(e);
    CHECK_FALSE(e->failed);
    CHECK(e->identifier == "whoami.example.com");

    e = caddy_certificate_event(
        R"({"level":"info","logger":"tls.renew","msg":"certificate renewed successfully","identifier":"a.example"})");
    REQUIRE(e);
    CHECK(e->renewal);
    CHECK_FALSE(e->failed);
    e = caddy_certificate_event(
        R"({"level":"error","logger":"tls.renew","msg":"could not get certificate from issuer","identifier":"a.example"})");
    REQUIRE(e);
    CHECK(e->renewal);
    CHECK(e->error == "no reason given");

    // certmagic's retry line names no identifier; other loggers and messages are not certificate events.
    CHECK_FALSE(caddy_certificate_event(
        R"({"level":"error","logger":"tls.obtain","msg":"will retry","error":"x","attempt":1})"));
    CHECK_FALSE(caddy_certificate_event(
        R"({"level":"info","logger":"http.log.access","msg":"certificate obtained successfully","identifier":"a"})"));
    CHECK_FALSE(
        caddy_certificate_event(R"({"level":"info","logger":"tls.obtain","msg":"acquiring lock","identifier":"a"})"));
    CHECK_FALSE(caddy_certificate_event(
        R"({"level":"info","logger":"tls.obtain","msg":"certificate obtained successfully","identifier":""})"));
    CHECK_FALSE(caddy_certificate_event("not json at all"));
    // Only the caddy adapter reads log entries.
    CHECK(adapter_for(ServerKind::caddy).certificate_event == caddy_certificate_event);
    CHECK(adapter_for(ServerKind::nginx).certificate_event == nullptr);
    CHECK(adapter_for(ServerKind::generic).certificate_event == nullptr);
}

TEST_CASE("a datagram that starts with '{' is a log entry: passed whole, nothing relayed") {
    auto m = parse_notify(kFailed, false, 0);
    REQUIRE(m.ok());
    CHECK(m.value().log_entry == kFailed);
    CHECK(m.value().relay.empty());
    CHECK_FALSE(m.value().ready);  // the entry's text may hold anything, "READY=1" too
    m = parse_notify("{\"msg\":\"x\"}\nREADY=1", false, 0);
    REQUIRE(m.ok());
    CHECK(m.value().relay.empty());
    CHECK_FALSE(m.value().ready);
    m = parse_notify(R"({"msg":"x"})", false, 2);
    REQUIRE(m.ok());
    CHECK(m.value().dropped.size() == 1);  // the fds are still closed and said so
    // The datagram checks come first: an entry cut by the size limit or with bad UTF-8 is refused.
    CHECK_FALSE(parse_notify(std::string(5000, '{'), false, 0).ok());
    CHECK_FALSE(parse_notify("{\"msg\":\"\xff\"}", false, 0).ok());
    CHECK(parse_notify("READY=1", false, 0).value().log_entry.empty());
}

TEST_CASE("the status note names the failing certificates until each is obtained") {
    CertificateTrouble t;
    CHECK(t.note().empty());
    CHECK(t.take(failed("a.example", "connection refused")));
    CHECK(t.note() == "; no certificate for a.example: connection refused");
    CHECK_FALSE(t.take(failed("a.example", "connection refused")));  // the same note: no new STATUS=
    CHECK(t.take(failed("b.example", "timeout")));
    CHECK(t.note() == "; no certificate for a.example, b.example: timeout");
    CHECK(t.take(failed("c.example", "expired", true)));
    CHECK(t.note() ==
          "; no certificate for a.example, b.example; certificate not renewed (the old one still serves) "
          "for c.example: expired");
    CHECK(t.take(obtained("a.example")));
    CHECK(t.take(obtained("c.example")));
    CHECK(t.note() == "; no certificate for b.example: expired");  // the latest reason
    CHECK_FALSE(t.take(obtained("z.example")));                    // never failed: nothing changes
    CHECK(t.take(obtained("b.example")));
    CHECK(t.note().empty());

    t.take(failed("a.example", "x"));
    t.clear();  // a reload starts over
    CHECK(t.note().empty());
}

TEST_CASE("the status note stays bounded: names and the reason") {
    CertificateTrouble t;
    for (int i = 0; i < 100; ++i) t.take(failed("n" + std::to_string(i) + ".example", "refused"));
    const std::string note = t.note();
    CHECK(note.find("n83.example") == std::string::npos);  // the oldest went first
    CHECK(note.find("n84.example, ") != std::string::npos);
    CHECK(note.find("n99.example: refused") != std::string::npos);
    t.take(failed("long.example", std::string(600, 'x') + "\xe2\x82\xac"));
    CHECK(t.note().ends_with(std::string(400, 'x') + "..."));
    t.take(failed("utf8.example", std::string(399, 'x') + "\xe2\x82\xac"));  // cut before the 3-byte character
    CHECK(t.note().ends_with(std::string(399, 'x') + "..."));
    CHECK(valid_utf8(t.note()));
    for (int i = 0; i < 16; ++i) t.take(failed(std::string(300, 'a' + i) + "\xe2\x82\xac", "x"));
    CHECK(t.note().size() <= 1500);  // long names too
    CHECK(valid_utf8(t.note()));
}

TEST_CASE("long names never push the newest reason out, and a new failure is always news") {
    CertificateTrouble t;
    for (int i = 0; i < 16; ++i) CHECK(t.take(failed(std::string(200, 'a' + i) + ".example", "first reason")));
    std::string note = t.note();
    CHECK(note.size() <= 1500);
    CHECK(note.ends_with(": first reason"));
    CHECK(note.find(" more: first reason") != std::string::npos);  // names that did not fit are counted
    // The same names, a new reason: the note changes at its end, where a cut would have hidden it.
    CHECK(t.take(failed(std::string(200, 'p') + ".example", "second reason")));
    CHECK(t.note().ends_with(": second reason"));
    CHECK_FALSE(t.take(failed(std::string(200, 'p') + ".example", "second reason")));  // nothing new
}

TEST_CASE("both lists, a first list that fills its room and the longest reason: the note still fits") {
    // Found by fuzz_notify: the first list filled the budget and the second list's label went past it.
    CertificateTrouble t;
    const std::string reason(500, 'r');
    t.take(failed(std::string(1070, 'a'), reason));
    t.take(failed("b.example", reason, true));
    const std::string note = t.note();
    CHECK(note.size() <= 1500);
    CHECK(
        note.starts_with("; no certificate for 1 more; certificate not renewed (the old one still serves) for "
                         "b.example: "));
    CHECK(note.ends_with(std::string(400, 'r') + "..."));
}
