// v2v-milter: DKIM signing and verification, SPF and Authentication-Results
// for Postfix. Everything lives in libmilter_v2v.a; see v2v-milter(8).
#include "app.h"

int main(int argc, char** argv) { return v2v::milter::milterMain(argc, argv); }
