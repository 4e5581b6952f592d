// Empty: SwiftPM needs a source file in a C target; the header declares what libFuzzer provides.
#include "cfuzzer.h"
