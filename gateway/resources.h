// The gateway's REST resources; each lists its routes in setupRoutes().
#pragma once

#include <pistache/router.h>

#include "app.h"

namespace v2v::gw {

class HealthApi {
public:
    explicit HealthApi(App& app) : app_(app) {}
    void setupRoutes(Pistache::Rest::Router& r);

private:
    App& app_;
};

class AuthApi {
public:
    explicit AuthApi(App& app) : app_(app) {}
    void setupRoutes(Pistache::Rest::Router& r);

private:
    App& app_;
};

class EmailApi {
public:
    explicit EmailApi(App& app) : app_(app) {}
    void setupRoutes(Pistache::Rest::Router& r);

private:
    App& app_;
};

class TemplateApi {
public:
    explicit TemplateApi(App& app) : app_(app) {}
    void setupRoutes(Pistache::Rest::Router& r);

private:
    App& app_;
};

class SuppressionApi {
public:
    explicit SuppressionApi(App& app) : app_(app) {}
    void setupRoutes(Pistache::Rest::Router& r);

private:
    App& app_;
};

}  // namespace v2v::gw
