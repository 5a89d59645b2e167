/* The libxml2 headers groupkey uses. Imported by XMLSupport only. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>

/* xmlFree is a mutable global function pointer, which Swift 6 strict concurrency refuses to
   reference; a C wrapper gives Swift a plain function to call. */
static inline void groupkey_xml_free(void *p) { xmlFree(p); }
