-- wrk script: every request is a new scan of a different badge (bench_door.py).
--
-- Arguments: CODES_FILE (one ticket code a line), RUN_TAG, TOKEN (door link; may be "-"), and
-- EXPECT (the HTTP status every answer should have). Each request posts {"code", "nonce",
-- "scanned_at"} as the door page does, with a nonce unique to this run, thread and request;
-- threads start at different places in the code list so they do not scan the same badges.
-- Prints one JSON line (WRK_JSON) with the figures and the number of unexpected statuses.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

function init(args)
  codes = {}
  for line in io.lines(args[1]) do
    table.insert(codes, line)
  end
  run_tag = args[2]
  token = args[3]
  expect = tonumber(args[4])
  counter = 0
  bad = 0
  stride = math.floor(#codes / 16)
end

function request()
  counter = counter + 1
  local code = codes[((id - 1) * stride + counter) % #codes + 1]
  local body = string.format('{"code": "%s", "nonce": "%s-%d-%d", "scanned_at": "%s"}',
    code, run_tag, id, counter, os.date("!%Y-%m-%dT%H:%M:%SZ"))
  local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  if token ~= "-" then headers["X-Door-Token"] = token end
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status ~= expect then
    bad = bad + 1
  end
end

done = report("unexpected")
