-- wrk script: POSTs with an empty form to the bare app's write endpoint (bare_flask.py);
-- counts answers that are not its 302 and prints one JSON line.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

function init(args)
  bad = 0
end

function request()
  return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, "")
end

function response(status, headers, body)
  if status ~= 302 then
    bad = bad + 1
  end
end

done = report("not_redirect")
