-- wrk script: GET the open pixel of recipients in turn (paths from the file
-- V2V_PIXEL_PATHS, one "/api/v1/tracking/open/TOKEN.gif" a line).
local paths = {}
for line in io.lines(os.getenv("V2V_PIXEL_PATHS")) do paths[#paths + 1] = line end
local i = 0

request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
