"""Demo content for `flask seed-demo`: a fictional organization, written for this project."""

IDENTITY = {
    "organization_name": "Lakeshore Watershed Alliance",
    "tagline": "Keeping Lake Merrow and its rivers clean, wild and shared.",
    "contact_email": "info@lakeshore-watershed.example",
    "street_address": ("214 Harbor Street, Suite 3, Port Alder, Merrow County, LK 56620"),
    "telephone": "+1 218.555.0142",
    "fax": "+1 218.555.0143",
    "footer_text": "Lakeshore Watershed Alliance",
    "comment_policy": (
        "Please be civil and keep your comment on the topic of the article. "
        "Personal attacks, advertising and off-topic posts will not be "
        "published. Every comment is reviewed by a member of our staff "
        "before it appears, so there may be a short delay."
    ),
}

SECTIONS = [
    {
        "name": "In the News",
        "slug": "in-the-news",
        "description": (
            "Coverage of the Alliance and the Lake Merrow watershed in local "
            "and regional media, plus our own news updates."
        ),
    },
    {
        "name": "Press Releases",
        "slug": "press-releases",
        "description": (
            "Official announcements from the Lakeshore Watershed Alliance "
            "for reporters and the public."
        ),
    },
    {
        "name": "Field Notes",
        "slug": "field-notes",
        "description": (
            "Reports from our staff and volunteers out on the lake, the "
            "Alder River and Kettle Creek."
        ),
    },
]

ARTICLES = [
    # ------------------------------------------------------------------
    # 2023
    # ------------------------------------------------------------------
    {
        "section": "press-releases",
        "title": "Alliance Launches Adopt-a-Stream Program for Kettle Creek",
        "slug": "adopt-a-stream-kettle-creek-launch",
        "summary": (
            "A new volunteer program pairs local families, schools and "
            "businesses with a stretch of Kettle Creek to monitor and care "
            "for through the year."
        ),
        "body_markdown": """PORT ALDER — The Lakeshore Watershed Alliance today
launched **Adopt-a-Stream**, a volunteer program that invites residents,
schools and local businesses to take responsibility for a half-mile
stretch of Kettle Creek.

Each adopting group commits to four visits a year. During a visit,
volunteers will:

- record water temperature and clarity at a fixed marker,
- note signs of bank erosion or new culvert blockages,
- remove litter from the banks and shallows, and
- photograph the same three points so changes can be compared over time.

"Kettle Creek feeds the coldest water into Lake Merrow, and that cold
water is what keeps the lake healthy in late summer," said program
coordinator **Dana Whitcombe**. "We can't watch every bend of the creek
ourselves. Neighbors who walk it every week will notice things we'd miss."

The Alliance will provide training, a field kit and a simple online form
for each group. Fourteen stretches of the creek are available in the first
year. Groups can sign up at
[lakeshore-watershed.example/adopt](https://lakeshore-watershed.example/adopt).

For media inquiries: Dana Whitcombe, press@lakeshore-watershed.example,
+1 218.555.0144.""",
        "published_at": "2023-03-01T15:00:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "in-the-news",
        "title": "Volunteers Haul Two Tons of Debris from the Alder River",
        "slug": "volunteers-haul-debris-alder-river",
        "summary": (
            "More than 120 volunteers joined the Alliance's spring cleanup "
            "along the Alder River, the Port Alder Gazette reports."
        ),
        "body_markdown": """More than 120 volunteers waded, paddled and walked
along six miles of the Alder River on Saturday, pulling an estimated
**two tons** of debris from the water and banks during the Lakeshore
Watershed Alliance's annual spring cleanup.

Crews worked from the Mill Road bridge down to the river mouth in Port
Alder. The haul included 31 tires, a rusted shopping cart, a section of
dock decking and dozens of bags of bottles and food wrappers. One team
recovered a wooden rowboat that had been wedged under a fallen cedar since
at least last autumn.

> "Every tire we pull out of the river today is one that won't be leaching
> into Lake Merrow for the next twenty years," said **Marisol Okafor**,
> volunteer coordinator for the Alliance. "People came out in cold rain
> and stayed until the last bag was full. That says a lot about this town."

The cleanup has grown each year since it started with a dozen volunteers.
Local businesses donated gloves, waders and lunch, and the town public
works department hauled the collected material to the transfer station.

Organizers said they plan to add a fall cleanup on Kettle Creek later this
year.""",
        "published_at": "2023-05-14T18:20:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": "Port Alder Gazette",
        "source_url": "https://gazette.example/news/2023/05/alder-river-cleanup",
    },
    {
        "section": "field-notes",
        "title": "Counting Loons at Dawn on the North Bay",
        "slug": "counting-loons-north-bay",
        "summary": (
            "Our volunteer loon count found eleven adults and three chicks "
            "on the north end of Lake Merrow this July."
        ),
        "body_markdown": """We launched from the Birch Landing ramp at 5:10 in
the morning, two canoes and four volunteers, with the lake so flat you
could hear a fish jump from a hundred yards away.

The north bay is where Lake Merrow's loons nest most reliably, because the
shoreline is mostly undeveloped and boat traffic stays light before nine.
We paddle a fixed route along the shore and count every adult, chick and
nest we can see, then compare notes before we leave the water.

This year's tally:

- **11 adults**, including one pair we believe is new to the bay
- **3 chicks**, two riding on a parent's back near Osprey Island
- **2 active nests**, both well inside the no-wake buoys

That's one more chick than last summer. It's a small number, and we're
careful not to read too much into a single year, but it's good news.

A big thank you to Teodor Lindqvist and Priya Anand, who have now done the
dawn count together for four summers. If you'd like to join next year,
watch for the sign-up in early June.""",
        "published_at": "2023-07-09T12:45:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "in-the-news",
        "title": "Citizen Monitors Flag Algae Bloom Early on Lake Merrow",
        "slug": "lake-merrow-algae-bloom-flagged-early",
        "summary": (
            "Volunteer water testers spotted a blue-green algae bloom near "
            "South Beach days before it spread, giving the town time to post "
            "warnings, the Merrow Valley Courier reports."
        ),
        "body_markdown": """A network of volunteer water testers organized by
the Lakeshore Watershed Alliance detected a blue-green algae bloom in the
shallow south basin of Lake Merrow last week, several days before it
became visible from shore.

Volunteers take weekly samples at 18 points around the lake. When readings
at two South Beach sites jumped on August 14, the Alliance alerted the town
health office, which posted **swimming advisories** the following morning.
The bloom spread across most of the south basin over the weekend.

"This is exactly what the monitoring program is for," said **Rowan
Ellery**, the Alliance's water quality coordinator. "We can't stop a bloom
once the conditions are right, but we can make sure nobody's kids are
swimming in it."

Ellery said the bloom was likely fed by a combination of warm, still
weather and nutrient runoff from heavy rain in late July. She urged
shoreline residents to:

1. avoid fertilizing lawns within 50 feet of the water,
2. keep a strip of native plants along the shore, and
3. have septic systems inspected if they are more than 20 years old.

Current advisories are posted at
[lakeshore-watershed.example/advisories](https://lakeshore-watershed.example/advisories).
The town said South Beach will reopen once two consecutive tests come back
clear.""",
        "published_at": "2023-08-22T16:10:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": "Merrow Valley Courier",
        "source_url": "https://courier.example.org/local/2023/08/algae-bloom-lake-merrow",
    },
    {
        "section": "field-notes",
        "title": "Looking for Trout Redds in Kettle Creek",
        "slug": "trout-redds-kettle-creek",
        "summary": (
            "A cold October walk up Kettle Creek turned up nine brook trout "
            "spawning nests, most of them above the old Sawyer Road culvert."
        ),
        "body_markdown": """Brook trout spawn in the fall, and they do it in
gravel. The female sweeps out a shallow pit with her tail, lays her eggs,
and covers them back up. The result, called a *redd*, shows up as a patch
of clean, bright gravel against the darker streambed.

On October 15, three of us walked Kettle Creek from the lake inlet up to
the Sawyer Road crossing, about two and a half miles, wearing polarized
glasses and moving slowly. We counted **nine redds** in total.

The interesting part is where they were. Only two were below the Sawyer
Road culvert. The other seven were upstream of it, in a stretch that trout
from the lake can barely reach. The culvert sits almost a foot above the
streambed on its downstream end, and at normal fall flows most fish can't
make the jump.

## Why this matters

Those upstream fish are likely a small resident population that rarely
mixes with trout from the lake. Reconnecting the two would give both a
better chance. Replacing that culvert has moved to the top of our list for
next year.

Thanks to the Kettle Creek adopters who flagged the scour pool below the
culvert back in June. That observation is what sent us up there.""",
        "published_at": "2023-10-18T14:00:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    # ------------------------------------------------------------------
    # 2024
    # ------------------------------------------------------------------
    {
        "section": "press-releases",
        "title": "Alliance Releases 2023 State of the Lake Report",
        "slug": "state-of-the-lake-report-2023",
        "summary": (
            "The annual report finds Lake Merrow's clarity holding steady "
            "but phosphorus levels creeping up in the south basin."
        ),
        "body_markdown": """PORT ALDER — The Lakeshore Watershed Alliance today
published its **2023 State of the Lake** report, summarizing a full season
of volunteer and staff monitoring on Lake Merrow, the Alder River and
Kettle Creek.

Key findings include:

- Average summer water clarity of 4.1 meters, within the range of the past
  decade.
- Phosphorus in the south basin up for the third straight year.
- One significant algae bloom, detected early by volunteer monitors.
- More brook trout redds in Kettle Creek than in any previous survey.

"The lake is in good shape overall, but the south basin is telling us
something," said executive director **Harriet Boyce**. "Most of the
phosphorus is coming off the land around it. That's a problem people can
actually do something about."

The full report, with maps and site-by-site data, is available at
[lakeshore-watershed.example/reports/2023](https://lakeshore-watershed.example/reports/2023).
Printed copies are available at the Port Alder library and the Alliance
office.

For media inquiries: Dana Whitcombe, press@lakeshore-watershed.example,
+1 218.555.0144.""",
        "published_at": "2024-01-22T15:30:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "in-the-news",
        "title": "Grant Will Fund Fish-Friendly Culvert on Kettle Creek",
        "slug": "grant-funds-kettle-creek-culvert",
        "summary": (
            "A regional conservation fund has awarded the Alliance $240,000 "
            "to replace a culvert that blocks trout from upstream spawning "
            "grounds, Lakeland Public Radio reports."
        ),
        "body_markdown": """The Lakeshore Watershed Alliance has received a
$240,000 grant to replace the aging culvert where Sawyer Road crosses
Kettle Creek, a structure that biologists say has cut the creek in two for
decades.

The existing pipe sits too high above the streambed for most fish to pass.
Alliance volunteers found last fall that the majority of trout spawning
nests on the creek were upstream of the crossing, out of reach of fish
from Lake Merrow.

The replacement will be an open-bottom arch wide enough to let the creek
keep its natural bed. Alliance staff said the design also handles large
storms better, which should reduce the road washouts that have closed
Sawyer Road twice in the last five years.

Speaking to Lakeland Public Radio, Alliance executive director Harriet
Boyce said, "This is one of those rare projects where the fish, the road
crew and the school bus driver all come out ahead."

Construction is expected during the low-water months of next summer.
Sawyer Road will be closed for about three weeks while the work is done.""",
        "published_at": "2024-04-09T13:15:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": "Lakeland Public Radio",
        "source_url": "https://lakelandradio.example.net/stories/2024/kettle-creek-culvert-grant",
    },
    {
        "section": "field-notes",
        "title": "Secchi Disk Tuesdays: What Clarity Readings Tell Us",
        "slug": "secchi-disk-tuesdays",
        "summary": (
            "A staff member explains the simple black-and-white disk behind "
            "twenty years of Lake Merrow clarity records."
        ),
        "body_markdown": """Every Tuesday from May through October, someone
from the Alliance rows out to the deep hole off Gull Rock and lowers a
black-and-white disk on a measured rope until it disappears. We note the
depth, pull it up, lower it again, and take the average.

That's it. It's the oldest and cheapest measurement we take, and in some
ways the most valuable, because volunteers have been doing it at the same
spot since 2004. **Twenty years of readings** taken the same way let us
see trends that a fancier instrument bought last year never could.

## What a reading means

A deeper reading means clearer water. In Lake Merrow, anything over four
meters is typical for midsummer. When readings drop quickly, it usually
means one of three things:

- a burst of algae growth,
- sediment washed in by a storm, or
- a windy week that stirred up the shallows.

Clarity alone can't tell us which, so we compare it with rainfall records
and our water chemistry samples.

This Tuesday the disk vanished at 4.6 meters, the clearest reading of the
season so far. If you'd like to try it yourself, we keep a spare disk at
the office and are happy to show you how.""",
        "published_at": "2024-06-27T17:00:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "in-the-news",
        "title": "Lake Group Asks County to Study Marina Expansion Impacts",
        "slug": "county-asked-to-study-marina-expansion",
        "summary": (
            "The Alliance told county planners that a proposed 60-slip "
            "marina expansion needs a closer look at runoff and shoreline "
            "habitat, the Tri-County Ledger reports."
        ),
        "body_markdown": """The Lakeshore Watershed Alliance asked the Merrow
County planning board on Tuesday to require a full environmental review
before approving a proposed expansion of the Harborview Marina in Port
Alder.

The plan would add 60 boat slips and a paved parking area on what is now
a wooded lot next to the marina. Alliance staff told the board they do not
oppose the expansion outright but are concerned about **stormwater runoff**
from the new parking area and the loss of one of the last natural stretches
of shoreline in the harbor.

Marina owner Glen Farrow said the project had been designed with
rain gardens and that he was willing to work with the Alliance on planting
plans. "We live off this lake too," Farrow said. "Nobody wants it dirty."

Board members voted to keep the public hearing open until their November
meeting to allow time for written comments.""",
        "published_at": "2024-10-03T20:40:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": "Tri-County Ledger",
        "source_url": "https://ledger.example.com/2024/10/03/marina-expansion-hearing",
    },
    # ------------------------------------------------------------------
    # 2025
    # ------------------------------------------------------------------
    {
        "section": "press-releases",
        "title": "Kettle Creek Culvert Replacement to Reopen Trout Passage",
        "slug": "kettle-creek-culvert-replacement-announced",
        "summary": (
            "Work will begin in July to replace the Sawyer Road culvert, "
            "reconnecting two and a half miles of spawning habitat to Lake "
            "Merrow."
        ),
        "body_markdown": """PORT ALDER — The Lakeshore Watershed Alliance and
the Merrow County Highway Department announced today that construction of
a new fish-passable crossing on Kettle Creek at Sawyer Road will begin on
**July 7, 2025**.

The project replaces a perched culvert with a 16-foot open-bottom arch.
Once complete, brook trout from Lake Merrow will be able to reach roughly
two and a half miles of upstream spawning gravel for the first time in
decades.

Project details:

- **Road closure:** Sawyer Road between Pine Hollow Lane and County Road 9,
  approximately July 7 to July 28.
- **Detour:** via County Road 9 and Ridge Road, signed in both directions.
- **Funding:** a regional conservation grant, with in-kind support from
  the county.

"Volunteers found the problem, a grant paid for the fix, and the county
is building it," said Alliance executive director Harriet Boyce. "That's
how this is supposed to work."

Project updates and a map of the detour are posted at
[lakeshore-watershed.example/kettle-creek](https://lakeshore-watershed.example/kettle-creek).

For media inquiries: Dana Whitcombe, press@lakeshore-watershed.example,
+1 218.555.0144.""",
        "published_at": "2025-03-02T14:30:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "in-the-news",
        "title": "Spring Roundup: The Alliance in Local Media",
        "slug": "spring-media-roundup-2025",
        "summary": (
            "A quick roundup of where the Alliance and Lake Merrow have "
            "turned up in local news this spring."
        ),
        "body_markdown": """It has been a busy spring, and a few of our
projects have caught the attention of local reporters. Here's a short
roundup in case you missed them.

**Port Alder Gazette** ran a feature on the Adopt-a-Stream program, now in
its third year, profiling a fourth-grade class that has adopted the
stretch of Kettle Creek behind their school.

**Lakeland Public Radio** followed up on the Sawyer Road culvert, with an
interview about what the summer road closure will mean for residents.

**Merrow Valley Courier** published a letter from one of our longtime
Secchi disk volunteers, reflecting on twenty years of rowing out to Gull
Rock every Tuesday.

If you're a reporter working on a story about the lake or its rivers, we
are always glad to help find data, photos or someone to talk to. You can
reach us through the contact page or at
[lakeshore-watershed.example/press](https://lakeshore-watershed.example/press).""",
        "published_at": "2025-06-18T16:00:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "field-notes",
        "title": "Milfoil Patrol at Heron Point",
        "slug": "milfoil-patrol-heron-point",
        "summary": (
            "Snorkelers found a new patch of invasive milfoil near Heron "
            "Point and pulled it by hand before it could spread."
        ),
        "body_markdown": """Invasive milfoil is one of the few things that
really worries us about Lake Merrow. It grows in thick mats, crowds out
native plants and can spread from a single fragment caught on a boat
trailer.

So every August, a small crew of snorkelers works its way around the
shallow bays looking for it. On August 1 we found something we'd hoped not
to see: a patch about the size of a kitchen table in six feet of water
just east of **Heron Point**.

Because it was small and caught early, we could hand-pull it. Two divers
worked root by root while a third collected fragments in a fine-mesh bag
so nothing drifted away. It took about three hours. We marked the spot and
will check it again in two weeks and again next spring.

## What you can do

- **Clean, drain, dry** your boat and trailer every time you leave a lake.
- Don't toss bait or aquarium plants into the water.
- If you see a plant you don't recognize, take a photo and send it to us.

A full guide to identifying milfoil is on our
[invasive species page](https://lakeshore-watershed.example/invasives).""",
        "published_at": "2025-08-03T15:20:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "press-releases",
        "title": "Lakeshore Watershed Alliance Names New Executive Director",
        "slug": "new-executive-director-named",
        "summary": (
            "Rowan Ellery, the Alliance's water quality coordinator since "
            "2019, will succeed Harriet Boyce as executive director."
        ),
        "body_markdown": """PORT ALDER — The board of the Lakeshore Watershed
Alliance announced today that **Rowan Ellery** will become the
organization's executive director on October 1, succeeding Harriet Boyce,
who is retiring after eleven years in the role.

Ellery joined the Alliance in 2019 as water quality coordinator and built
the volunteer monitoring network that now samples 18 sites on Lake Merrow
every week. Before joining the Alliance, she worked as a field technician
for a regional soil and water office.

"Harriet leaves an organization that people in this town trust," said
board chair Tomasz Brandt. "Rowan has spent six years earning that same
trust out on the water, one sample bottle at a time."

Boyce will remain on as an advisor through the end of the year to help
with the transition.

For media inquiries: Dana Whitcombe, press@lakeshore-watershed.example,
+1 218.555.0144.""",
        "published_at": "2025-09-10T14:00:00+00:00",
        "status": "published",
        "comments_open": False,
        "source_name": None,
        "source_url": None,
    },
    # ------------------------------------------------------------------
    # 2026
    # ------------------------------------------------------------------
    {
        "section": "field-notes",
        "title": "Under the Ice: Winter Sampling on Lake Merrow",
        "slug": "winter-sampling-under-the-ice",
        "summary": (
            "Drilling through 40 centimeters of ice to find out how much "
            "oxygen the lake has left in February."
        ),
        "body_markdown": """Most people assume our monitoring stops when the
lake freezes. It doesn't. In winter, the question we care about most is
oxygen: once the lake is sealed under ice and snow, nothing new gets in,
and the fish have to make do with what's there.

On February 9 we hauled a sled out to the deep hole with an auger, a
dissolved oxygen meter and a thermos of very strong coffee. The ice was
about **40 centimeters** thick, solid and clear under a thin layer of
snow.

We took readings every meter from just under the ice down to the bottom
at 21 meters. The upper water was in good shape. Below about 16 meters,
oxygen dropped off steeply, which is normal for this time of year but a
little earlier than we usually see it.

We'll go out again in early March. If the low-oxygen zone keeps rising,
that's useful information for anglers and for our phosphorus work, since
low oxygen at the bottom can release nutrients stored in the sediment.

Thanks to Ines Marchetti for the sled, the coffee and for not letting
anyone near the pressure ridge.""",
        "published_at": "2026-02-11T19:30:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "in-the-news",
        "title": "Ice Leaves Lake Merrow Earliest in Records, Alliance Data Shows",
        "slug": "earliest-ice-out-lake-merrow",
        "summary": (
            "Lake Merrow was ice-free on March 29, the earliest date in more "
            "than 60 years of local records, the Port Alder Gazette reports."
        ),
        "body_markdown": """Lake Merrow lost the last of its ice on March 29
this year, according to records kept by the Lakeshore Watershed Alliance,
the earliest ice-out date since residents began writing it down in the
early 1960s.

The Alliance keeps a logbook of ice-out dates collected from longtime
residents, old newspaper notices and, more recently, a camera mounted on
the Port Alder water tower. The average date over the full record is
April 21.

"One early year on its own is just weather," said Alliance executive
director Rowan Ellery. "But when you line up sixty years of dates, the
trend is hard to miss. Our ice season is getting shorter."

Ellery said a shorter ice season means a longer growing season for algae
and warmer water in late summer, two factors the group already tracks
closely in the south basin.

The full ice-out record is published on the Alliance website, and the
group is asking residents with old photographs or diary entries about
ice-out to get in touch.""",
        "published_at": "2026-04-15T12:00:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": "Port Alder Gazette",
        "source_url": "https://gazette.example/news/2026/04/lake-merrow-ice-out-record",
    },
    {
        "section": "press-releases",
        "title": "Registration Opens for the First Lake Merrow Paddle Count",
        "slug": "lake-merrow-paddle-count-registration",
        "summary": (
            "Paddlers of every skill level are invited to help count birds, "
            "plants and shoreline changes in a single morning on June 27."
        ),
        "body_markdown": """PORT ALDER — The Lakeshore Watershed Alliance is
inviting canoeists, kayakers and paddleboarders to take part in the first
**Lake Merrow Paddle Count** on Saturday, June 27, 2026.

Participants will be assigned one of 30 short stretches of shoreline and
asked to record what they see during a relaxed two-hour paddle: nesting
birds, unusual plants, eroding banks, new docks or anything else that
catches their eye. Results will be combined into a single snapshot of the
whole shoreline on a single day.

- **When:** Saturday, June 27, launches between 7:00 and 8:00 a.m.
- **Where:** Birch Landing, South Beach and the Port Alder town dock
- **Cost:** free; life jackets required
- **Registration:** [lakeshore-watershed.example/paddle-count](https://lakeshore-watershed.example/paddle-count)

No experience with wildlife surveys is needed. Each team gets a
waterproof checklist and a short online training video.

For media inquiries: Dana Whitcombe, press@lakeshore-watershed.example,
+1 218.555.0144.""",
        "published_at": "2026-06-05T13:00:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "in-the-news",
        "title": "High School Students Map Shoreline Erosion with Lake Group",
        "slug": "students-map-shoreline-erosion",
        "summary": (
            "Port Alder High School science students spent a month measuring "
            "shoreline erosion around Lake Merrow with the Alliance, the "
            "Merrow Valley Courier reports."
        ),
        "body_markdown": """Thirty-two students from Port Alder High School
have completed the first full map of shoreline erosion around Lake Merrow,
working alongside staff from the Lakeshore Watershed Alliance over four
weeks in September.

Students used measuring tapes, fixed survey stakes and drone photographs
to record how far the bank has retreated at 85 points around the lake.
They found the worst erosion along the **west shore**, where wakes from
larger boats break directly against bare sandy banks.

Science teacher Corinne Vasquez said the project gave students a chance to
do real fieldwork. "They weren't filling in a worksheet," she said. "They
were producing data that a real organization is going to use to make real
decisions."

The Alliance plans to use the map to prioritize shoreline planting
projects next spring and to share it with the town as it reviews
no-wake zones. The students will present their findings at the public
library on October 14.""",
        "published_at": "2026-09-30T15:45:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": "Merrow Valley Courier",
        "source_url": "https://courier.example.org/schools/2026/09/shoreline-erosion-map",
    },
    {
        "section": "field-notes",
        "title": "Last Sampling Run of the Season",
        "slug": "last-sampling-run-2026",
        "summary": (
            "Cold hands, a quiet lake and a season's worth of sample bottles finally packed away."
        ),
        "body_markdown": """The last sampling run of the year is always a
little strange. The docks are pulled, the cottages are shut up, and the
only other boat on the water is usually someone hunting ducks in the
north bay.

We visited all 18 sites on November 18 in a steady northwest wind. Water
temperature was down to 6 degrees at the surface and the same all the way
to the bottom, which means the lake has fully turned over and mixed for
the winter. Clarity was excellent, as it usually is in late fall.

A few numbers from the season:

- **412** water samples collected
- **27** Secchi disk readings at Gull Rock
- **46** volunteers who took at least one sample
- **0** algae advisories at South Beach, for the first time in four years

That last number is the one we're proudest of, though we know one good
summer doesn't make a trend. The full results will be in the State of the
Lake report this winter. Thank you to everyone who went out in a boat
for us this year.""",
        "published_at": "2026-11-20T21:00:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    # ------------------------------------------------------------------
    # Scheduled (future) and draft
    # ------------------------------------------------------------------
    {
        "section": "press-releases",
        "title": "Alliance Marks Tenth Summer of Volunteer Lake Monitoring",
        "slug": "tenth-summer-volunteer-monitoring",
        "summary": (
            "The Alliance's weekly volunteer monitoring network begins its "
            "tenth season on Lake Merrow, with two new sampling sites."
        ),
        "body_markdown": """PORT ALDER — The Lakeshore Watershed Alliance
begins its **tenth summer** of weekly volunteer water monitoring on Lake
Merrow this month, with two new sampling sites added on the Alder River.

Since the network began, volunteers have collected more than 3,500
samples, caught several algae blooms before they reached swimming beaches,
and built one of the longest continuous water quality records for any
lake in the region.

"Ten summers ago we had six volunteers and a borrowed cooler," said
executive director Rowan Ellery. "Now we have a waiting list."

New volunteers are welcome at the season kickoff on June 6 at the Port
Alder library.

For media inquiries: Dana Whitcombe, press@lakeshore-watershed.example,
+1 218.555.0144.""",
        "published_at": "2027-06-01T13:00:00+00:00",
        "status": "published",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
    {
        "section": "press-releases",
        "title": "Statement on the Proposed Town Dock Reconstruction",
        "slug": "statement-town-dock-reconstruction",
        "summary": (
            "Draft statement on the town's plan to rebuild the Port Alder "
            "town dock. Not for release until reviewed by the board."
        ),
        "body_markdown": """PORT ALDER — The Lakeshore Watershed Alliance
welcomes the town's plan to rebuild the aging Port Alder town dock and
offers the following recommendations for the design.

- Use a floating or pile design that keeps the lake bottom undisturbed.
- Schedule in-water work outside the spring spawning season.
- Include a boat washing station at the adjacent launch.

**Still to do:** check the dates of the council hearing and add a quote from Rowan.

For media inquiries: Dana Whitcombe, press@lakeshore-watershed.example,
+1 218.555.0144.""",
        "published_at": "2026-12-01T15:00:00+00:00",
        "status": "draft",
        "comments_open": True,
        "source_name": None,
        "source_url": None,
    },
]

COMMENTS = [
    # --- lake-merrow-algae-bloom-flagged-early (9 approved) ---
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Gwen Halloran",
        "author_email": "gwen.halloran@example.com",
        "body": (
            "Thank you to whoever was out sampling that week. We have a "
            "cabin near South Beach and my grandkids were planning to swim "
            "the morning the signs went up."
        ),
        "status": "approved",
        "minutes_after": 48,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Martin Oduya",
        "author_email": "m.oduya@example.net",
        "body": (
            "Is there a way to get the advisories by text or e-mail? I don't "
            "always think to check the website before taking the dog down "
            "to the water."
        ),
        "status": "approved",
        "minutes_after": 95,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Rowan Ellery",
        "author_email": "rowan.ellery@example.org",
        "body": (
            "Martin, yes. There is a sign-up form on the advisories page "
            "for e-mail alerts, and we're working on text alerts for next "
            "season. Dogs are especially at risk, so thank you for asking."
        ),
        "status": "approved",
        "minutes_after": 160,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Lorraine Pike",
        "author_email": "lpike@example.com",
        "body": (
            "I've lived on the south basin for 30 years. When I was young "
            "the water there was clear enough to see the bottom off the end "
            "of our dock in August. Now it turns green most summers.\n\n"
            "I don't think it's one thing. There are a lot more lawns down "
            "to the water than there used to be, and the old cottages were "
            "built with septic systems nobody has looked at since. Glad "
            "someone is finally keeping track."
        ),
        "status": "approved",
        "minutes_after": 240,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Ben Castellanos",
        "author_email": "ben.castellanos@example.com",
        "body": (
            "I'm not sure it's fair to put this all on shoreline owners. "
            "Half the runoff in that part of the lake comes down the ditch "
            "along County Road 9. Has anyone sampled that ditch after a "
            "storm?"
        ),
        "status": "approved",
        "minutes_after": 310,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Aiko Brennan",
        "author_email": "aiko.b@example.org",
        "body": (
            "Good point from Ben. I volunteer on the Tuesday crew and we "
            "talked about adding a storm sampling site there next year."
        ),
        "status": "approved",
        "minutes_after": 365,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Felix Nakamura",
        "author_email": "felix.nakamura@example.net",
        "body": "How long do these blooms usually last once they start?",
        "status": "approved",
        "minutes_after": 520,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Deborah Kline",
        "author_email": "dkline@example.com",
        "body": (
            "Felix, in our experience anywhere from a few days to a couple "
            "of weeks. A good cool rain with some wind usually breaks it up. "
            "The 2021 bloom hung around for nearly three weeks."
        ),
        "status": "approved",
        "minutes_after": 610,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Samuel Achterberg",
        "author_email": "sam.achterberg@example.org",
        "body": (
            "We replaced our septic system two years ago after reading one "
            "of your newsletters. Expensive, but it was the right call. "
            "Keep up the good work."
        ),
        "status": "approved",
        "minutes_after": 1440,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Nora Fitzgerald",
        "author_email": "nora.fitz@example.com",
        "body": (
            "Can anyone recommend a list of native plants for a shoreline "
            "buffer? I found one here: "
            "https://gardenlist.example.net/native-shoreline"
        ),
        "status": "pending",
        "minutes_after": 1620,
        "held_reasons": "contains a link",
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Philip Ransome",
        "author_email": "p.ransome@example.net",
        "body": ("Is the boat launch at South Beach also closed, or just the swimming area?"),
        "status": "pending",
        "minutes_after": 1800,
        "held_reasons": "first comment from this address",
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "lakeguy77",
        "author_email": "lakeguy77@example.com",
        "body": (
            "Typical. Bunch of busybodies who don't even live here telling "
            "the rest of us how to mow our lawns. Mind your own business."
        ),
        "status": "rejected",
        "minutes_after": 700,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-algae-bloom-flagged-early",
        "author_name": "Best Pharmacy Deals",
        "author_email": "deals@pills-cheap.example.net",
        "body": (
            "CHEAP PILLS NO PRESCRIPTION!!! Lowest prices online, fast "
            "shipping worldwide. Visit https://pills-cheap.example.net now."
        ),
        "status": "spam",
        "minutes_after": 2900,
        "held_reasons": None,
    },
    # --- volunteers-haul-debris-alder-river ---
    {
        "article": "volunteers-haul-debris-alder-river",
        "author_name": "Carla Benedetti",
        "author_email": "carla.benedetti@example.com",
        "body": (
            "Our family came for the first time this year. My son still "
            "talks about the rowboat. Count us in for the fall cleanup."
        ),
        "status": "approved",
        "minutes_after": 130,
        "held_reasons": None,
    },
    {
        "article": "volunteers-haul-debris-alder-river",
        "author_name": "Hugh Pettersen",
        "author_email": "hpettersen@example.org",
        "body": (
            "Thirty-one tires is a shocking number. Does anyone know where "
            "they're coming from? That many can't all be accidents."
        ),
        "status": "approved",
        "minutes_after": 260,
        "held_reasons": None,
    },
    {
        "article": "volunteers-haul-debris-alder-river",
        "author_name": "Marisol Okafor",
        "author_email": "marisol.okafor@example.org",
        "body": (
            "Hugh, most of them were clustered below the old gravel pit "
            "road, which suggests dumping. We've passed the locations on "
            "to the town."
        ),
        "status": "approved",
        "minutes_after": 400,
        "held_reasons": None,
    },
    {
        "article": "volunteers-haul-debris-alder-river",
        "author_name": "Yusuf Demir",
        "author_email": "ydemir@example.net",
        "body": (
            "Will there be a cleanup on the Port Alder harbor side too? "
            "There is a lot of plastic stuck in the reeds by the boat ramp."
        ),
        "status": "pending",
        "minutes_after": 2200,
        "held_reasons": "first comment from this address",
    },
    {
        "article": "volunteers-haul-debris-alder-river",
        "author_name": "SEO Ranker Pro",
        "author_email": "promo@rankfast.example.com",
        "body": (
            "Great article! Want your website on page one? We offer 5000 "
            "backlinks for only $19. https://rankfast.example.com/offer"
        ),
        "status": "spam",
        "minutes_after": 4100,
        "held_reasons": None,
    },
    # --- kettle-creek-culvert-replacement-announced ---
    {
        "article": "kettle-creek-culvert-replacement-announced",
        "author_name": "Walt Jurgens",
        "author_email": "walt.jurgens@example.com",
        "body": (
            "I drive Sawyer Road every day to get to work. Three weeks of "
            "detour is a pain, but if it means the road stops washing out "
            "every spring, I'll take it."
        ),
        "status": "approved",
        "minutes_after": 75,
        "held_reasons": None,
    },
    {
        "article": "kettle-creek-culvert-replacement-announced",
        "author_name": "Elena Marsh",
        "author_email": "elena.marsh@example.org",
        "body": (
            "Wonderful news. My father fished Kettle Creek as a boy and "
            "always said the trout used to run much farther up. It would "
            "mean a lot to him to see it happen again."
        ),
        "status": "approved",
        "minutes_after": 190,
        "held_reasons": None,
    },
    {
        "article": "kettle-creek-culvert-replacement-announced",
        "author_name": "Doug Whitfield",
        "author_email": "doug.whitfield@example.net",
        "body": (
            "Will school buses be allowed through during construction, or "
            "do they have to use the detour too? The Ridge Road hill is "
            "rough in July when they're grading it.\n\n"
            "Not against the project at all, just want to plan ahead."
        ),
        "status": "approved",
        "minutes_after": 330,
        "held_reasons": None,
    },
    {
        "article": "kettle-creek-culvert-replacement-announced",
        "author_name": "Ingrid Solberg",
        "author_email": "ingrid.solberg@example.com",
        "body": (
            "Are volunteers needed to help move fish out of the work area "
            "before construction starts?"
        ),
        "status": "pending",
        "minutes_after": 900,
        "held_reasons": None,
    },
    {
        "article": "kettle-creek-culvert-replacement-announced",
        "author_name": "Raymond Teague",
        "author_email": "rteague@example.net",
        "body": ("Detour map here if anyone needs it: https://maps.example.org/sawyer-road-detour"),
        "status": "pending",
        "minutes_after": 1300,
        "held_reasons": "contains a link",
    },
    {
        "article": "kettle-creek-culvert-replacement-announced",
        "author_name": "Anonymous",
        "author_email": "nobody@example.com",
        "body": (
            "What a waste of money. You people would spend a fortune to "
            "save one fish. Idiots, all of you."
        ),
        "status": "rejected",
        "minutes_after": 480,
        "held_reasons": None,
    },
    # --- counting-loons-north-bay ---
    {
        "article": "counting-loons-north-bay",
        "author_name": "Priya Anand",
        "author_email": "priya.anand@example.org",
        "body": (
            "Four summers and I still get goosebumps when the first call "
            "comes across the water. Thanks for writing this up."
        ),
        "status": "approved",
        "minutes_after": 60,
        "held_reasons": None,
    },
    {
        "article": "counting-loons-north-bay",
        "author_name": "Oliver Granger",
        "author_email": "oliver.granger@example.com",
        "body": (
            "We saw a loon with two chicks off the east side of Osprey "
            "Island on the 12th, probably the same family. They seemed "
            "completely unbothered by our canoe, though we kept our "
            "distance."
        ),
        "status": "approved",
        "minutes_after": 4400,
        "held_reasons": None,
    },
    {
        "article": "counting-loons-north-bay",
        "author_name": "Meredith Quan",
        "author_email": "mquan@example.net",
        "body": (
            "Could the count be extended to the south basin? I hear loons "
            "off Cedar Point most evenings but I've never seen them counted "
            "anywhere."
        ),
        "status": "approved",
        "minutes_after": 5200,
        "held_reasons": None,
    },
    {
        "article": "counting-loons-north-bay",
        "author_name": "Julian Harte",
        "author_email": "julian.harte@example.com",
        "body": "How early in June does the sign-up usually open?",
        "status": "pending",
        "minutes_after": 6000,
        "held_reasons": "first comment from this address",
    },
    {
        "article": "counting-loons-north-bay",
        "author_name": "Jet Ski Rentals",
        "author_email": "rent@jetfun.example.com",
        "body": (
            "Forget the birds, come rip around the lake! Who cares about "
            "no-wake buoys anyway. Best summer ever."
        ),
        "status": "rejected",
        "minutes_after": 3000,
        "held_reasons": None,
    },
    {
        "article": "counting-loons-north-bay",
        "author_name": "CryptoMoon Signals",
        "author_email": "signals@cryptomoon.example.net",
        "body": (
            "Turn $100 into $10,000 in ONE WEEK with our guaranteed crypto "
            "signals. Join now: https://cryptomoon.example.net/join"
        ),
        "status": "spam",
        "minutes_after": 7300,
        "held_reasons": None,
    },
    # --- milfoil-patrol-heron-point ---
    {
        "article": "milfoil-patrol-heron-point",
        "author_name": "Tessa Lindgren",
        "author_email": "tessa.lindgren@example.com",
        "body": (
            "Three hours of hand-pulling in six feet of water is no joke. "
            "Thank you. We launch near Heron Point and I'll be extra "
            "careful cleaning the trailer from now on."
        ),
        "status": "approved",
        "minutes_after": 85,
        "held_reasons": None,
    },
    {
        "article": "milfoil-patrol-heron-point",
        "author_name": "Gordon Lacey",
        "author_email": "glacey@example.org",
        "body": (
            "Honest question, not trying to stir anything up: why not just "
            "treat the area with herbicide? Wouldn't that be faster than "
            "divers?\n\n"
            "I understand there might be reasons, I'd just like to know "
            "what they are."
        ),
        "status": "approved",
        "minutes_after": 420,
        "held_reasons": None,
    },
    {
        "article": "milfoil-patrol-heron-point",
        "author_name": "Sunita Raman",
        "author_email": "sunita.raman@example.net",
        "body": ("Is there a wash station at Birch Landing? I couldn't find one last weekend."),
        "status": "pending",
        "minutes_after": 1500,
        "held_reasons": None,
    },
    {
        "article": "milfoil-patrol-heron-point",
        "author_name": "Kevin Okonkwo",
        "author_email": "kokonkwo@example.com",
        "body": (
            "I made a short video about cleaning a kayak properly, might be "
            "helpful: https://video.example.com/watch/kayak-clean"
        ),
        "status": "pending",
        "minutes_after": 2600,
        "held_reasons": "contains a link",
    },
    {
        "article": "milfoil-patrol-heron-point",
        "author_name": "Frank D.",
        "author_email": "frankd@example.net",
        "body": ("Anyone know a good mechanic in town for an outboard motor? Mine keeps stalling."),
        "status": "rejected",
        "minutes_after": 3100,
        "held_reasons": None,
    },
    # --- winter-sampling-under-the-ice ---
    {
        "article": "winter-sampling-under-the-ice",
        "author_name": "Arne Holm",
        "author_email": "arne.holm@example.com",
        "body": (
            "I ice fish out near the deep hole most weekends. The perch "
            "have been holding shallower than usual this winter, maybe "
            "that's the oxygen you're seeing."
        ),
        "status": "approved",
        "minutes_after": 210,
        "held_reasons": None,
    },
    {
        "article": "winter-sampling-under-the-ice",
        "author_name": "Ines Marchetti",
        "author_email": "ines.marchetti@example.org",
        "body": "Anytime. Same coffee in March, but bring warmer gloves.",
        "status": "approved",
        "minutes_after": 300,
        "held_reasons": None,
    },
    {
        "article": "winter-sampling-under-the-ice",
        "author_name": "Beatrice Norwood",
        "author_email": "b.norwood@example.net",
        "body": (
            "Could you post the oxygen readings as a chart? I teach middle "
            "school science and would love to use them in class."
        ),
        "status": "pending",
        "minutes_after": 1100,
        "held_reasons": "first comment from this address",
    },
    # --- lake-merrow-paddle-count-registration ---
    {
        "article": "lake-merrow-paddle-count-registration",
        "author_name": "Hannah Ostrowski",
        "author_email": "hannah.ostrowski@example.com",
        "body": (
            "Signed up with my sister. Is a paddleboard really okay for "
            "this? I don't want to slow a team down."
        ),
        "status": "approved",
        "minutes_after": 140,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-paddle-count-registration",
        "author_name": "Luis Carvalho",
        "author_email": "luis.carvalho@example.net",
        "body": (
            "Are rental canoes available at South Beach that morning, or should we bring our own?"
        ),
        "status": "pending",
        "minutes_after": 720,
        "held_reasons": None,
    },
    {
        "article": "lake-merrow-paddle-count-registration",
        "author_name": "Luxury Watches Outlet",
        "author_email": "sales@watch-outlet.example.org",
        "body": (
            "Replica luxury watches 90% off!!! Free shipping today only at "
            "https://watch-outlet.example.org"
        ),
        "status": "spam",
        "minutes_after": 2500,
        "held_reasons": None,
    },
    # --- students-map-shoreline-erosion ---
    {
        "article": "students-map-shoreline-erosion",
        "author_name": "Corinne Vasquez",
        "author_email": "c.vasquez@example.org",
        "body": (
            "So proud of these students. A few of them were out measuring "
            "stakes in the rain on a Saturday without being asked."
        ),
        "status": "approved",
        "minutes_after": 55,
        "held_reasons": None,
    },
    {
        "article": "students-map-shoreline-erosion",
        "author_name": "Russell Abbott",
        "author_email": "russell.abbott@example.com",
        "body": (
            "I own property on the west shore and we have lost at least "
            "three feet of bank since we bought the place. I'd welcome a "
            "no-wake zone, though I know some of my neighbors won't agree."
        ),
        "status": "approved",
        "minutes_after": 390,
        "held_reasons": None,
    },
    {
        "article": "students-map-shoreline-erosion",
        "author_name": "Patricia Wendt",
        "author_email": "pwendt@example.net",
        "body": ("Will the map be available online after the library presentation?"),
        "status": "pending",
        "minutes_after": 980,
        "held_reasons": None,
    },
    {
        "article": "students-map-shoreline-erosion",
        "author_name": "westshore_boater",
        "author_email": "wsboater@example.com",
        "body": (
            "Kids with drones telling grown adults where they can drive "
            "their boats. Pathetic. Stay in school and out of our lake."
        ),
        "status": "rejected",
        "minutes_after": 620,
        "held_reasons": None,
    },
    # --- state-of-the-lake-report-2023 ---
    {
        "article": "state-of-the-lake-report-2023",
        "author_name": "Edwin Marlowe",
        "author_email": "edwin.marlowe@example.org",
        "body": (
            "Picked up a printed copy at the library. The site maps are "
            "very clear. It would be helpful to include the ten-year "
            "phosphorus chart for each basin next time, not just the lake "
            "average."
        ),
        "status": "approved",
        "minutes_after": 2880,
        "held_reasons": None,
    },
    {
        "article": "state-of-the-lake-report-2023",
        "author_name": "Fast Loans Now",
        "author_email": "apply@fastloans.example.com",
        "body": (
            "Need cash fast? Instant approval, no credit check! Apply at "
            "https://fastloans.example.com/apply and get money today."
        ),
        "status": "spam",
        "minutes_after": 5000,
        "held_reasons": None,
    },
]
