// Boost.Test module for libv2v's pure functions.
#define BOOST_TEST_MODULE lib
#include <boost/test/unit_test.hpp>
