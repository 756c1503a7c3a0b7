#ifndef MCA_CLIBXML2_SHIM_H
#define MCA_CLIBXML2_SHIM_H
// Debian's libxml2 is built with ICU, so encoding.h would include ICU's headers, which clash with
// Foundation's own copy of ICU in any module importing both. We never use libxml2's ICU
// converters (inputs are UTF-8), so hide them.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#endif
