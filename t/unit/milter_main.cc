// Boost.Test module for v2v-milter's logic (libmilter_v2v.a).
#define BOOST_TEST_MODULE milter
#include <boost/test/unit_test.hpp>
