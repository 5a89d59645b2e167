#ifndef GROUPKEY_CSQLITE_SHIM_H
#define GROUPKEY_CSQLITE_SHIM_H
// The SQLite C API, imported by the KeyStore module only (ARCHITECTURE.md, C system layer).
#include <sqlite3.h>
#endif
