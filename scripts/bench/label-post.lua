-- wrk script: POST /api/v1/labels with BATCH fresh label events per request (unique UUIDs per
-- thread and run, so every request writes; none is a duplicate), spread over the uploaded images
-- listed one SHA-256 a line in $IMAGES.
local batch = tonumber(os.getenv("BATCH") or "1")
local images = {}
for line in io.lines(os.getenv("IMAGES")) do images[#images + 1] = line end
local breeds = {"Abyssinian", "Bengal", "pug", "beagle"}
local token = os.getenv("TOKEN")
local run = tonumber(os.getenv("RUN") or "1")
local threads = 0
local counter = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  math.randomseed(os.time() + tid * 7919)
end

function request()
  local events = {}
  for i = 1, batch do
    counter = counter + 1
    events[i] = string.format('{"uuid":"%02x%06x-%04x-4%03x-8%03x-%012x","image":"%s","breed":"%s"}',
      run % 256, tid, math.random(0, 65535), math.random(0, 4095), math.random(0, 4095), counter,
      images[math.random(1, #images)], breeds[math.random(1, #breeds)])
  end
  local body = '{"events":[' .. table.concat(events, ",") .. ']}'
  return wrk.format("POST", "/api/v1/labels",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
