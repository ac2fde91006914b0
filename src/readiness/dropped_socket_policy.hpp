// --on-dropped-socket: a server that closed an inherited socket is stopped, or only warned about.
#pragma once

namespace sdshim {

enum class DroppedSocketPolicy { fail, warn };

}  // namespace sdshim
