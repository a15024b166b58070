// Boost.Test module for the bounce parser (bounce-parser/libbounce.a).
#define BOOST_TEST_MODULE bounce
#include <boost/test/unit_test.hpp>
