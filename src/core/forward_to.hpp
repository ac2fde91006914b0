// --forward-to: forwarded signals go to the main child only, or to its whole process group.
#pragma once

namespace sdshim {

enum class ForwardTo { child, group };

}  // namespace sdshim
