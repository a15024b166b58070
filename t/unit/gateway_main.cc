// Boost.Test module for the gateway's pure functions.
#define BOOST_TEST_MODULE gateway
#include <boost/test/unit_test.hpp>
