/* The libxml2 headers groupkey uses. Imported by XMLSupport only. */

/* Debian's libxml2 is built with ICU, so <libxml/encoding.h> would pull in the system's
   <unicode/*.h>. Swift's Foundation carries its own, different ICU headers, and a module that sees
   both (a test target importing Foundation and XMLSupport) fails to build with "'UErrorCode' has
   different definitions in different modules". groupkey parses UTF-8 only and never touches
   libxml2's encoding handlers (the only declarations that depend on ICU: two trailing pointer
   fields of xmlCharEncodingHandler), so the ICU part of the headers is switched off. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlschemastypes.h>
#include <libxml/xmlerror.h>

/* xmlFree is a mutable global function pointer, which Swift 6 strict concurrency refuses to
   reference; a C wrapper gives Swift a plain function to call. */
static inline void groupkey_xml_free(void *p) { xmlFree(p); }
