"""Approximate centroids of UK postcode areas and of Greater Manchester postcode districts.

Values are (latitude, longitude) in decimal degrees, rounded to 3 decimals (about 100 m),
but they are only good to a few kilometres: each is a rough population-weighted centre of
the area or district, which is what ranking stores by distance needs. They are not
boundaries and must not be shown to anyone as an address's location.
"""

from __future__ import annotations

# Every geographic postcode area (the letters before the first digit), including Northern
# Ireland (BT) and the Crown dependencies whose post uses the UK system (GY, JE, IM).
AREAS: dict[str, tuple[float, float]] = {
    "AB": (57.17, -2.25),  # Aberdeen
    "AL": (51.76, -0.32),  # St Albans
    "B": (52.48, -1.89),  # Birmingham
    "BA": (51.3, -2.45),  # Bath
    "BB": (53.77, -2.38),  # Blackburn
    "BD": (53.83, -1.83),  # Bradford
    "BH": (50.74, -1.9),  # Bournemouth
    "BL": (53.59, -2.38),  # Bolton
    "BN": (50.85, -0.2),  # Brighton
    "BR": (51.38, 0.05),  # Bromley
    "BS": (51.46, -2.62),  # Bristol
    "BT": (54.6, -6.3),  # Belfast / Northern Ireland
    "CA": (54.75, -3.05),  # Carlisle
    "CB": (52.23, 0.2),  # Cambridge
    "CF": (51.52, -3.25),  # Cardiff
    "CH": (53.27, -2.95),  # Chester
    "CM": (51.76, 0.4),  # Chelmsford
    "CO": (51.9, 0.85),  # Colchester
    "CR": (51.36, -0.1),  # Croydon
    "CT": (51.27, 1.2),  # Canterbury
    "CV": (52.38, -1.47),  # Coventry
    "CW": (53.15, -2.45),  # Crewe
    "DA": (51.43, 0.2),  # Dartford
    "DD": (56.55, -2.9),  # Dundee
    "DE": (52.97, -1.5),  # Derby
    "DG": (55.05, -3.8),  # Dumfries
    "DH": (54.82, -1.65),  # Durham
    "DL": (54.5, -1.7),  # Darlington
    "DN": (53.55, -0.9),  # Doncaster
    "DT": (50.7, -2.45),  # Dorchester
    "DY": (52.48, -2.12),  # Dudley
    "E": (51.54, -0.03),  # London East
    "EC": (51.518, -0.095),  # London East Central
    "EH": (55.92, -3.25),  # Edinburgh
    "EN": (51.68, -0.1),  # Enfield
    "EX": (50.8, -3.65),  # Exeter
    "FK": (56.08, -3.95),  # Falkirk
    "FY": (53.84, -3.0),  # Blackpool
    "G": (55.86, -4.25),  # Glasgow
    "GL": (51.85, -2.2),  # Gloucester
    "GU": (51.25, -0.7),  # Guildford
    "GY": (49.455, -2.58),  # Guernsey
    "HA": (51.58, -0.35),  # Harrow
    "HD": (53.64, -1.78),  # Huddersfield
    "HG": (54.05, -1.6),  # Harrogate
    "HP": (51.73, -0.65),  # Hemel Hempstead
    "HR": (52.08, -2.75),  # Hereford
    "HS": (57.9, -6.8),  # Outer Hebrides
    "HU": (53.78, -0.45),  # Hull
    "HX": (53.72, -1.88),  # Halifax
    "IG": (51.57, 0.08),  # Ilford
    "IM": (54.23, -4.55),  # Isle of Man
    "IP": (52.15, 1.05),  # Ipswich
    "IV": (57.5, -4.6),  # Inverness
    "JE": (49.21, -2.13),  # Jersey
    "KA": (55.58, -4.6),  # Kilmarnock
    "KT": (51.37, -0.35),  # Kingston upon Thames
    "KW": (58.7, -3.3),  # Kirkwall
    "KY": (56.18, -3.1),  # Kirkcaldy
    "L": (53.42, -2.93),  # Liverpool
    "LA": (54.2, -2.85),  # Lancaster
    "LD": (52.2, -3.4),  # Llandrindod Wells
    "LE": (52.65, -1.1),  # Leicester
    "LL": (53.05, -3.75),  # Llandudno
    "LN": (53.25, -0.4),  # Lincoln
    "LS": (53.82, -1.55),  # Leeds
    "LU": (51.89, -0.45),  # Luton
    "M": (53.47, -2.27),  # Manchester
    "ME": (51.33, 0.58),  # Rochester
    "MK": (52.07, -0.7),  # Milton Keynes
    "ML": (55.75, -3.9),  # Motherwell
    "N": (51.58, -0.11),  # London North
    "NE": (55.02, -1.65),  # Newcastle upon Tyne
    "NG": (53.0, -1.05),  # Nottingham
    "NN": (52.3, -0.85),  # Northampton
    "NP": (51.66, -3.0),  # Newport
    "NR": (52.67, 1.2),  # Norwich
    "NW": (51.55, -0.2),  # London North West
    "OL": (53.57, -2.1),  # Oldham
    "OX": (51.74, -1.35),  # Oxford
    "PA": (55.88, -4.7),  # Paisley
    "PE": (52.65, -0.1),  # Peterborough
    "PH": (56.6, -3.7),  # Perth
    "PL": (50.42, -4.35),  # Plymouth
    "PO": (50.78, -1.15),  # Portsmouth
    "PR": (53.72, -2.75),  # Preston
    "RG": (51.4, -1.1),  # Reading
    "RH": (51.15, -0.2),  # Redhill
    "RM": (51.56, 0.2),  # Romford
    "S": (53.38, -1.4),  # Sheffield
    "SA": (51.75, -4.2),  # Swansea
    "SE": (51.47, -0.05),  # London South East
    "SG": (51.9, -0.2),  # Stevenage
    "SK": (53.38, -2.08),  # Stockport
    "SL": (51.5, -0.65),  # Slough
    "SM": (51.36, -0.18),  # Sutton
    "SN": (51.52, -1.9),  # Swindon
    "SO": (50.95, -1.4),  # Southampton
    "SP": (51.1, -1.7),  # Salisbury
    "SR": (54.88, -1.4),  # Sunderland
    "SS": (51.57, 0.6),  # Southend-on-Sea
    "ST": (52.95, -2.1),  # Stoke-on-Trent
    "SW": (51.46, -0.17),  # London South West
    "SY": (52.65, -3.1),  # Shrewsbury
    "TA": (51.08, -3.05),  # Taunton
    "TD": (55.62, -2.55),  # Galashiels
    "TF": (52.7, -2.45),  # Telford
    "TN": (51.1, 0.4),  # Tonbridge
    "TQ": (50.43, -3.65),  # Torquay
    "TR": (50.2, -5.2),  # Truro
    "TS": (54.58, -1.25),  # Middlesbrough (Cleveland)
    "TW": (51.45, -0.38),  # Twickenham
    "UB": (51.53, -0.42),  # Southall
    "W": (51.51, -0.23),  # London West
    "WA": (53.4, -2.55),  # Warrington
    "WC": (51.518, -0.12),  # London West Central
    "WD": (51.66, -0.4),  # Watford
    "WF": (53.68, -1.42),  # Wakefield
    "WN": (53.54, -2.62),  # Wigan
    "WR": (52.18, -2.25),  # Worcester
    "WS": (52.62, -1.95),  # Walsall
    "WV": (52.6, -2.15),  # Wolverhampton
    "YO": (54.05, -0.9),  # York
    "ZE": (60.3, -1.25),  # Shetland
}

# Districts (outward codes) of Greater Manchester and the towns around it, where most of
# the stores are and where an area-level guess would be too coarse to rank them.
DISTRICTS: dict[str, tuple[float, float]] = {
    "M1": (53.479, -2.236),  # city centre, Piccadilly
    "M2": (53.481, -2.245),  # city centre, King Street
    "M3": (53.483, -2.252),  # Deansgate, Salford Central
    "M4": (53.485, -2.228),  # Ancoats, Northern Quarter
    "M5": (53.48, -2.285),  # Ordsall, Weaste
    "M6": (53.492, -2.3),  # Pendleton, Seedley
    "M7": (53.508, -2.265),  # Broughton, Kersal
    "M8": (53.512, -2.235),  # Cheetham Hill, Crumpsall
    "M9": (53.52, -2.2),  # Blackley, Harpurhey
    "M11": (53.478, -2.185),  # Openshaw, Clayton
    "M12": (53.465, -2.205),  # Ardwick, Longsight
    "M13": (53.46, -2.22),  # Chorlton-on-Medlock, Victoria Park
    "M14": (53.448, -2.225),  # Fallowfield, Moss Side, Rusholme
    "M15": (53.465, -2.25),  # Hulme
    "M16": (53.453, -2.268),  # Old Trafford, Whalley Range
    "M17": (53.468, -2.32),  # Trafford Park
    "M18": (53.463, -2.17),  # Gorton
    "M19": (53.435, -2.195),  # Levenshulme, Burnage
    "M20": (53.423, -2.235),  # Didsbury, Withington
    "M21": (53.44, -2.275),  # Chorlton-cum-Hardy
    "M22": (53.385, -2.26),  # Wythenshawe, Northenden
    "M23": (53.395, -2.29),  # Baguley, Benchill
    "M24": (53.553, -2.2),  # Middleton
    "M25": (53.535, -2.285),  # Prestwich
    "M26": (53.563, -2.34),  # Radcliffe
    "M27": (53.515, -2.34),  # Swinton, Pendlebury
    "M28": (53.51, -2.4),  # Worsley, Walkden
    "M29": (53.505, -2.445),  # Tyldesley, Astley
    "M30": (53.483, -2.35),  # Eccles
    "M31": (53.43, -2.41),  # Partington, Carrington
    "M32": (53.455, -2.31),  # Stretford
    "M33": (53.423, -2.325),  # Sale
    "M34": (53.46, -2.11),  # Denton, Audenshaw
    "M35": (53.508, -2.165),  # Failsworth
    "M38": (53.53, -2.42),  # Little Hulton
    "M40": (53.505, -2.19),  # Newton Heath, Moston
    "M41": (53.45, -2.355),  # Urmston
    "M43": (53.483, -2.14),  # Droylsden
    "M44": (53.435, -2.435),  # Irlam, Cadishead
    "M45": (53.55, -2.3),  # Whitefield
    "M46": (53.523, -2.485),  # Atherton
    "M50": (53.473, -2.297),  # Salford Quays
    "M90": (53.358, -2.275),  # Manchester Airport
    "SK1": (53.408, -2.152),  # Stockport centre
    "SK2": (53.395, -2.135),  # Offerton
    "SK3": (53.398, -2.17),  # Edgeley, Cheadle Heath
    "SK4": (53.423, -2.17),  # Heaton Moor, Heaton Chapel
    "SK5": (53.428, -2.135),  # Reddish, Brinnington
    "SK6": (53.405, -2.07),  # Bredbury, Romiley, Marple
    "SK7": (53.365, -2.14),  # Bramhall, Hazel Grove
    "SK8": (53.38, -2.205),  # Cheadle, Cheadle Hulme, Gatley
    "SK9": (53.325, -2.23),  # Wilmslow, Handforth
    "SK10": (53.275, -2.13),  # Macclesfield north, Bollington
    "SK11": (53.245, -2.15),  # Macclesfield south
    "SK12": (53.35, -2.09),  # Poynton, Disley
    "SK13": (53.445, -1.96),  # Glossop, Hadfield
    "SK14": (53.455, -2.075),  # Hyde, Mottram
    "SK15": (53.48, -2.055),  # Stalybridge
    "SK16": (53.47, -2.095),  # Dukinfield
    "SK17": (53.245, -1.88),  # Buxton
    "SK22": (53.37, -1.99),  # New Mills, Hayfield
    "SK23": (53.325, -1.95),  # Whaley Bridge, Chapel-en-le-Frith
    "OL1": (53.545, -2.11),  # Oldham centre
    "OL2": (53.57, -2.105),  # Royton, Shaw
    "OL3": (53.555, -2.0),  # Saddleworth
    "OL4": (53.537, -2.07),  # Lees, Springhead
    "OL5": (53.515, -2.04),  # Mossley
    "OL6": (53.493, -2.085),  # Ashton-under-Lyne
    "OL7": (53.485, -2.11),  # Ashton-under-Lyne west
    "OL8": (53.527, -2.115),  # Oldham south, Hathershaw
    "OL9": (53.54, -2.14),  # Chadderton
    "OL10": (53.59, -2.22),  # Heywood
    "OL11": (53.6, -2.17),  # Rochdale south and west
    "OL12": (53.63, -2.165),  # Rochdale north, Whitworth
    "OL13": (53.7, -2.19),  # Bacup
    "OL14": (53.715, -2.1),  # Todmorden
    "OL15": (53.64, -2.1),  # Littleborough
    "OL16": (53.615, -2.135),  # Rochdale east, Milnrow
    "BL0": (53.648, -2.317),  # Ramsbottom
    "BL1": (53.59, -2.45),  # Bolton north and west
    "BL2": (53.58, -2.395),  # Bolton east, Breightmet
    "BL3": (53.565, -2.44),  # Bolton south
    "BL4": (53.55, -2.4),  # Farnworth, Kearsley
    "BL5": (53.548, -2.52),  # Westhoughton
    "BL6": (53.6, -2.54),  # Horwich, Blackrod
    "BL7": (53.625, -2.41),  # Bromley Cross, Egerton
    "BL8": (53.6, -2.32),  # Bury west, Tottington
    "BL9": (53.59, -2.28),  # Bury east
    "WN1": (53.553, -2.63),  # Wigan centre
    "WN2": (53.53, -2.58),  # Ince, Hindley
    "WN3": (53.53, -2.65),  # Wigan south
    "WN4": (53.49, -2.64),  # Ashton-in-Makerfield
    "WN5": (53.535, -2.69),  # Orrell, Pemberton
    "WN6": (53.58, -2.67),  # Standish, Shevington
    "WN7": (53.497, -2.517),  # Leigh
    "WN8": (53.552, -2.775),  # Skelmersdale
    "WA1": (53.395, -2.575),  # Warrington centre
    "WA2": (53.41, -2.58),  # Warrington north
    "WA3": (53.46, -2.54),  # Golborne, Lowton, Birchwood
    "WA4": (53.365, -2.575),  # Stockton Heath, Grappenhall
    "WA5": (53.395, -2.64),  # Great Sankey, Penketh
    "WA6": (53.29, -2.72),  # Frodsham, Helsby
    "WA7": (53.33, -2.7),  # Runcorn
    "WA8": (53.365, -2.74),  # Widnes
    "WA9": (53.44, -2.715),  # St Helens south and east
    "WA10": (53.455, -2.75),  # St Helens centre
    "WA11": (53.48, -2.7),  # Haydock, Rainford
    "WA12": (53.453, -2.633),  # Newton-le-Willows
    "WA13": (53.38, -2.48),  # Lymm
    "WA14": (53.39, -2.36),  # Altrincham, Bowdon
    "WA15": (53.385, -2.32),  # Hale, Timperley
    "WA16": (53.305, -2.375),  # Knutsford
}
