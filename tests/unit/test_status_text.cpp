// Unit tests: the one way a STATUS= text is made (UTF-8, no controls or escape sequences, a bounded length).
#include "base/utf8.hpp"
#include "notify/notify_message.hpp"
#include "status/status_text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace sdshim;

TEST_CASE("status_text: valid UTF-8 whatever comes in") {
    CHECK(status_text("nginx is ready") == "nginx is ready");
    CHECK(status_text("caf\xc3\xa9 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x82\xac");
    CHECK(status_text("bad \xff byte") == "bad \xef\xbf\xbd byte");        // not UTF-8: U+FFFD
    CHECK(status_text("cut \xe2\x82") == "cut \xef\xbf\xbd\xef\xbf\xbd");  // a character cut short
    CHECK(status_text("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");          // an overlong '/'
    CHECK(valid_utf8(status_text(std::string("\xed\xa0\x80 surrogate"))));
}

TEST_CASE("status_text: no line ends, controls or escape sequences reach StatusText") {
    CHECK(status_text("[emerg] a\nERRNO=5\r\tb") == "[emerg] a ERRNO=5  b");  // no second assignment
    CHECK(status_text("bell\a del\x7f nul") == "bell del nul");
    CHECK(status_text("\x1b[31mred\x1b[0m plain") == "red plain");
    CHECK(status_text("\x1b]0;title\a"
                      "after") == "after");
    CHECK(status_text("\x1b]8;;http://x\x1b\\"
                      "link") == "link");
    CHECK(status_text("\x1b"
                      "cX") == "X");
    CHECK(status_text("c1 \xc2\x9b"
                      "31m") == "c1 31m");  // a C1 control (CSI) is dropped
    CHECK(status_text("trailing \x1b") == "trailing ");
}

TEST_CASE("status_text: at most the limit, never half a character") {
    CHECK(status_text(std::string(5000, 'x')).size() == kStatusMaxBytes);
    const std::string euro = "\xe2\x82\xac";
    std::string text = std::string(kStatusMaxBytes - 1, 'x') + euro;
    CHECK(status_text(text) == std::string(kStatusMaxBytes - 1, 'x'));
    CHECK(status_text("ab" + euro, 4) == "ab");
    CHECK(status_line("up") == "STATUS=up");
}
