-- wrk script: plain GETs of one page; counts non-200 responses and prints one JSON line.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

done = report("not_ok")
