# Oracle: RubyGems' Gem::Version.
$stdout.sync = false
$stdin.each_line do |line|
  a, b = line.chomp("\n").split("\t", 2)
  va = Gem::Version.correct?(a)
  vb = Gem::Version.correct?(b)
  c = "?"
  if va && vb
    r = Gem::Version.new(a) <=> Gem::Version.new(b)
    c = r < 0 ? "<" : (r > 0 ? ">" : "=")
  end
  $stdout.write("#{va ? 1 : 0}#{vb ? 1 : 0}#{c}\n")
end
