// Boost.Test module for the operations code (issue 7): metrics, audit log,
// route table, v2vctl's CSV, key table, database maintenance, dead letters.
#define BOOST_TEST_MODULE ops
#include <boost/test/unit_test.hpp>
