// Static release only: glibc's message lookup without its catalogue loader, which is never used here.
// glibc translates its own messages (strerror's, assert's, libstdc++'s exception texts) through
// __dcgettext. Only a program that calls setlocale() with a translated locale gets anything but the
// English text back, and sdshim never calls setlocale(): PID 1 runs in the "C" locale, where every
// lookup returns its msgid. Linked in, the lookup brings the catalogue loader, the plural parser and
// the locale-alias reader (47 KB of code). These return the msgid as the "C" locale does. (glibc's
// converters, gconv, stay: the wide side of stdout and stderr links them.) The sanitizer builds keep
// glibc's own.
extern "C" {

char* __dcgettext(const char*, const char* msgid, int) { return const_cast<char*>(msgid); }
char* dcgettext(const char*, const char* msgid, int) { return const_cast<char*>(msgid); }
char* __dgettext(const char*, const char* msgid) { return const_cast<char*>(msgid); }
char* dgettext(const char*, const char* msgid) { return const_cast<char*>(msgid); }
char* __gettext(const char* msgid) { return const_cast<char*>(msgid); }
char* gettext(const char* msgid) { return const_cast<char*>(msgid); }
}
