// --log-format: "[sdshim] level: message" lines, or one JSON object per line.
#pragma once

namespace sdshim {

enum class LogFormat { text, json };

}  // namespace sdshim
